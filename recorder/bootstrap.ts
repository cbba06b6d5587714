/**
 * The inline script the proxy puts into each HTML document instead of the
 * recorder itself. A `<script src>` in the page, even `async`, holds back the
 * load event until it has been fetched and compiled (≈90 KB of JavaScript); this
 * few-hundred-byte inline script costs no request and only adds the recorder
 * once the page has loaded (or after LOAD_WAIT_MS, for a page whose load never
 * comes). Meanwhile it keeps the page's script errors and console.error calls,
 * which the recorder reports with their real time: those before the recorder's
 * tag is added go in its EARLY_EVENTS_ATTRIBUTE; those while it downloads are
 * handed over by a function at window[LATE_EVENTS_KEY], which the recorder calls
 * once its own hooks are in (an error right after load was lost in that gap). The recorder would start
 * only after `load` anyway (entry.ts), so nothing recorded is lost by waiting.
 *
 * It moves its data-verbatim-* attributes (token, endpoint, masking, frame
 * parents) and its nonce onto the recorder's tag and removes itself, so the
 * token is in the DOM only while a script of ours runs. Under Trusted Types the
 * URL goes through a policy named TRUSTED_TYPES_POLICY (proxy/csp.ts allows it).
 *
 * Before any page script runs it also installs the stylesheet-text hook of
 * style-text.ts (the same hook, in ES5): texts the page passes to
 * replaceSync/replace/insertRule that contain var() are kept for the recorder,
 * since Chromium cannot serialise some such rules back (lit and Shoelace build
 * their styles this way, long before the recorder is added). And the poller of
 * marker-times.ts (the same, in ES5): when each `dataLayer` item appeared, so
 * a site's analytics event before the recorder runs keeps its own moment.
 *
 * Kept as plain ES5 text, not bundled: it is inlined verbatim into every page,
 * XHTML too, so it holds no `<` or `&` (an XML parser would reject the page).
 */
import { CUSTOM_TAGS, DATALAYER_TIMES_KEY, EARLY_EVENTS_ATTRIBUTE, LATE_EVENTS_KEY, LOAD_WAIT_MS, RECORDER_SRC_ATTRIBUTE, TRUSTED_TYPES_POLICY } from './protocol';
import { MAX_KEPT_CHARS, STYLE_TEXT_KEY } from './style-text';
import { PUSH_POLL_MAX_MS, PUSH_POLL_MS } from './marker-times';

const MAX_EARLY = 50;

export const BOOTSTRAP_SCRIPT = `(function(s){try{
var d=document,w=window,q=[],late=[],done=0,taken=0,n=s.nonce,src=s.getAttribute('${RECORDER_SRC_ATTRIBUTE}'),at=[],i,a;
for(i=0;s.attributes.length>i;i++){a=s.attributes[i];if(/^data-verbatim-/.test(a.name))if(a.name!=='${RECORDER_SRC_ATTRIBUTE}')at.push([a.name,a.value]);}
if(s.parentNode)s.parentNode.removeChild(s);
var sp=w.CSSStyleSheet?CSSStyleSheet.prototype:0,sm,sn=0;
function hk(k,r){var f=sp[k];if(typeof f==='function')sp[k]=new Proxy(f,{apply:function(f,t,x){try{var v=x[0],l;if(typeof v==='string'?v.indexOf('var(')+1:0){if(${MAX_KEPT_CHARS}>sn){l=r?[]:sm.get(t)||[];l.push(v);sm.set(t,l);sn+=v.length}}else if(r)sm['delete'](t)}catch(e){}return Reflect.apply(f,t,x)}})}
try{if(sp)if(typeof Proxy==='function')if(!w.${STYLE_TEXT_KEY}){sm=new WeakMap();Object.defineProperty(w,'${STYLE_TEXT_KEY}',{value:sm});hk('replaceSync',1);hk('replace',1);hk('insertRule',0)}}catch(x){}
var pt,pi,p0=Date.now();function pl(){try{var l=w.dataLayer,t=Date.now(),k,v;if(Array.isArray(l))for(k=0;l.length>k;k++){v=l[k];if(v)if(typeof v==='object')if(!pt.has(v))pt.set(v,t)}}catch(x){}}
try{if(!w.${DATALAYER_TIMES_KEY}){pt=new WeakMap();pi=setInterval(function(){pl();if(Date.now()-p0>${PUSH_POLL_MAX_MS})clearInterval(pi)},${PUSH_POLL_MS});Object.defineProperty(w,'${DATALAYER_TIMES_KEY}',{value:{times:pt,stop:function(){pl();clearInterval(pi)}}})}}catch(x){}
function cut(x,m){x=String(x);return x.length>m?x.slice(0,m):x}
function keep(t,p){var l=done?late:q;if(!taken)if(${MAX_EARLY}>l.length){p.time=Date.now();l.push([t,p])}}
function stack(e){return e?(e.stack?cut(e.stack,4000):undefined):undefined}
function onError(e){try{if(e instanceof ErrorEvent)keep('${CUSTOM_TAGS.uncaughtError}',{message:cut(e.message,2000),stack:stack(e.error),source:cut(e.filename||'',2000),line:e.lineno,column:e.colno})}catch(x){}}
function onRejection(e){try{var r=e.reason;keep('${CUSTOM_TAGS.uncaughtError}',{message:cut(r instanceof Error?r.name+': '+r.message:r,2000),stack:stack(r),rejection:true})}catch(x){}}
w.addEventListener('error',onError);w.addEventListener('unhandledrejection',onRejection);
var ce=console.error;console.error=function(){try{if(!taken){var m=[],e,k;for(k=0;arguments.length>k;k++){a=arguments[k];if(a instanceof Error){e=e||a;m.push(a.name+': '+a.message)}else m.push(typeof a==='string'?a:JSON.stringify(a))}keep('${CUSTOM_TAGS.consoleError}',{message:cut(m.join(' '),2000),stack:stack(e)})}}catch(x){}return ce.apply(this,arguments)};
function go(){if(done)return;done=1;try{
try{Object.defineProperty(w,'${LATE_EVENTS_KEY}',{configurable:true,value:function(){taken=1;w.removeEventListener('error',onError);w.removeEventListener('unhandledrejection',onRejection);return late.splice(0)}})}catch(x){}
var r=d.createElement('script');for(i=0;at.length>i;i++)r.setAttribute(at[i][0],at[i][1]);
if(q.length)r.setAttribute('${EARLY_EVENTS_ATTRIBUTE}',JSON.stringify(q));if(n)r.nonce=n;r.async=true;
try{r.src=src}catch(x){r.src=w.trustedTypes.createPolicy('${TRUSTED_TYPES_POLICY}',{createScriptURL:function(u){return u}}).createScriptURL(src)}
(d.head||d.documentElement).appendChild(r)}catch(x){}}
if(d.readyState==='complete')setTimeout(go,0);else{w.addEventListener('load',function(){setTimeout(go,0)});setTimeout(go,${LOAD_WAIT_MS})}
}catch(x){}})(document.currentScript)`.replace(/\n/g, '');
