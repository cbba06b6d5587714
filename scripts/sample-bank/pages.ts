/**
 * HTML of the sample bank. No inline scripts or styles (the CSP forbids
 * them), no clock-dependent text. Pages that render without JavaScript carry
 * body[data-ready="true"] from the start; the others set it once their data
 * has been rendered.
 */
import { payeesFor } from './data';
import type { SiteVersion } from './palette';

export const BANK_NAME = 'Verbatim Sample Bank';

type NavKey = 'home' | 'accounts' | 'terms' | 'login';

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface LayoutOptions {
  version: SiteVersion;
  title: string;
  current: NavKey;
  main: string;
  /** External script that renders data and sets data-ready itself. */
  script?: string;
  loggedIn?: boolean;
}

function layout(o: LayoutOptions): string {
  const nav: [NavKey, string, string][] = [
    ['home', '/', 'Home'],
    ['accounts', '/accounts', 'Accounts'],
    ['terms', '/terms', 'Terms'],
    o.loggedIn ? ['login', '/logout', 'Log out'] : ['login', '/login', 'Log in'],
  ];
  const links = nav
    .map(([key, href, label]) => `<li><a href="${href}"${key === o.current ? ' aria-current="page"' : ''}>${label}</a></li>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(o.title)} - ${BANK_NAME}</title>
<link rel="icon" type="image/png" href="/img/favicon.png">
<link rel="stylesheet" href="/css/site.css">
${o.script ? `<script src="${o.script}" defer></script>\n` : ''}</head>
<body class="v${o.version}"${o.script ? '' : ' data-ready="true"'}>
<a class="skip" href="#main">Skip to content</a>
<header class="site-header">
<a class="logo" href="/"><img src="/img/favicon.png" width="32" height="32" alt="">${BANK_NAME}</a>
<nav aria-label="Main"><ul class="nav">${links}</ul></nav>
</header>
<main class="page" id="main">
${o.main}
</main>
<footer class="site-footer">
<p>${BANK_NAME} is a fictional bank used to test Verbatim${o.version === 2 ? ' (new look)' : ''}. Calls may be recorded.</p>
</footer>
</body>
</html>
`;
}

export function homePage(version: SiteVersion): string {
  const hero =
    version === 1
      ? { h1: 'Banking that keeps its word', p: 'Current accounts, savings and cards, with statements you can trust.' }
      : { h1: 'Your money, redesigned', p: 'A fresh look for the bank you already know. Same accounts, clearer screens.' };
  return layout({
    version,
    title: 'Home',
    current: 'home',
    script: '/js/home.js',
    main: `<div class="home-grid">
<div class="main-col">
<section class="hero">
<h1>${hero.h1}</h1>
<p>${hero.p}</p>
<a class="button" href="/login">Log in to online banking</a>
</section>
<section class="panel" aria-labelledby="offers-title">
<h2 id="offers-title">${version === 1 ? 'Offers for you' : 'Picked for you'}</h2>
<ul id="offers" class="offers" aria-busy="true"></ul>
</section>
</div>
<aside class="aside">
<figure class="panel product">
<img src="/img/product.png" width="320" height="200" alt="The ${version === 1 ? 'Everyday Cashback' : 'Travel'} card">
<figcaption>${version === 1 ? 'Everyday Cashback Card: 1% back on groceries.' : 'Travel Card: no fees abroad.'}</figcaption>
</figure>
<section class="panel">
<iframe class="rates-frame" src="/widgets/rates.html" title="Today's rates"></iframe>
</section>
</aside>
</div>`,
  });
}

export function loginPage(version: SiteVersion, error: boolean): string {
  return layout({
    version,
    title: 'Log in',
    current: 'login',
    main: `<section class="panel">
<h1>${version === 1 ? 'Log in to online banking' : 'Welcome back'}</h1>
${error ? '<p class="notice error" role="alert">Please enter your customer ID and password.</p>\n' : ''}<form class="form" method="post" action="/login" autocomplete="on">
<label>Customer ID<input type="text" id="customer-id" name="customerId" autocomplete="username" inputmode="numeric" required></label>
<label>Password<input type="password" id="password" name="password" autocomplete="current-password" required></label>
<button class="button" type="submit">Log in</button>
</form>
<p><a href="/terms">Terms and conditions</a></p>
</section>`,
  });
}

export function accountsPage(version: SiteVersion, transferDone: boolean): string {
  const options = payeesFor(version)
    .map((p) => `<option value="${esc(p.value)}">${esc(p.label)}</option>`)
    .join('\n');
  return layout({
    version,
    title: 'Your accounts',
    current: 'accounts',
    loggedIn: true,
    script: '/js/accounts.js',
    main: `<section class="panel">
<h1><svg class="icon" aria-hidden="true"><use href="/img/icons.svg#card"></use></svg>${version === 1 ? 'Your accounts' : 'Accounts overview'}</h1>
<table id="accounts" class="accounts-table">
<thead><tr><th>Account</th><th>Sort code and number</th><th class="amount">Balance</th></tr></thead>
<tbody></tbody>
</table>
</section>
<section class="panel">
<h2><svg class="icon" aria-hidden="true"><use href="/img/icons.svg#transfer"></use></svg>Make a transfer</h2>
${transferDone ? '<p class="notice" role="status">Transfer submitted.</p>\n' : ''}<form class="form" id="transfer" method="post" action="/transfer">
<label>Pay to<select id="payee" name="payee">
${options}
</select></label>
<label>Amount (GBP)<input type="text" id="amount" name="amount" inputmode="decimal" autocomplete="off"></label>
<label>Reference<textarea id="reference" name="reference" rows="3"></textarea></label>
<button class="button" type="submit">Send transfer</button>
</form>
</section>`,
  });
}

const TERMS_TOPICS = [
  'Opening an account',
  'Identity checks',
  'Payments into your account',
  'Payments out of your account',
  'Standing orders and direct debits',
  'Card use',
  'Lost and stolen cards',
  'Overdrafts',
  'Interest',
  'Charges',
  'Statements',
  'Online banking security',
  'Unauthorised payments',
  'Joint accounts',
  'Closing your account',
  'Changes to these terms',
  'Complaints',
  'Deposit protection',
  'Data protection',
  'Law and language',
];

export function termsPage(version: SiteVersion): string {
  const sections = TERMS_TOPICS.map((topic, i) => {
    const n = i + 1;
    const first =
      version === 1
        ? `${n}.1 This section explains ${topic.toLowerCase()}. We will always act fairly and reasonably, and we will tell you in good time before anything changes that affects you.`
        : `${n}.1 Here is how ${topic.toLowerCase()} works. We aim to be fair and clear, and we give you at least two months' notice of any change that affects you.`;
    const second =
      version === 1
        ? `${n}.2 If you have a question about ${topic.toLowerCase()}, contact us through online banking or visit any branch. Keep your security details safe and never share your password, even with our staff.`
        : `${n}.2 Questions about ${topic.toLowerCase()}? Message us in online banking or call the number on your card. We will never ask for your full password.`;
    return `<section id="terms-${n}">
<h2>${n}. ${topic}</h2>
<p>${first}</p>
<p>${second}</p>
</section>`;
  }).join('\n');
  return layout({
    version,
    title: 'Terms and conditions',
    current: 'terms',
    main: `<article class="panel terms">
<h1>Terms and conditions${version === 2 ? ' (revised)' : ''}</h1>
${sections}
</article>`,
  });
}

/** Same-origin iframe content on the home page. */
export function ratesWidget(version: SiteVersion): string {
  const rates =
    version === 1
      ? [
          ['Saver Plus', '3.10%'],
          ['Two Year Fixed Bond', '4.05%'],
          ['Cash ISA', '3.60%'],
          ['Overdraft (EAR)', '39.90%'],
        ]
      : [
          ['Saver Max', '3.45%'],
          ['One Year Fixed Bond', '4.40%'],
          ['Cash ISA', '3.85%'],
          ['Overdraft (EAR)', '35.00%'],
          ['Travel Card FX', '0.00%'],
        ];
  return `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Today's rates</title>
<link rel="stylesheet" href="/css/widget.css">
</head>
<body>
<h2>${version === 1 ? "Today's rates" : 'Rates today'}</h2>
<table>
${rates.map(([name, rate]) => `<tr><td>${name}</td><td>${rate}</td></tr>`).join('\n')}
</table>
</body>
</html>
`;
}
