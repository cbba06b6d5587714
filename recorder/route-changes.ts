/**
 * Route changes of single-page apps (pushState, replaceState, back/forward, hash changes): the document stays, so
 * nothing else in the recording dates them (the upload's `page.url` is read up to 5 s later and misses a route the
 * customer left in between — a quick back inside an app was invisible). Reports scheme://host/path only: query
 * strings and fragments can hold tokens. Uses the Navigation API where the browser has it, popstate and hashchange
 * elsewhere (there a pushState is still seen at the next upload, as before). Never throws into the page.
 */
export function watchRouteChanges(onChange: (href: string) => void): void {
  const here = (): string => location.origin + location.pathname;
  let last = here();
  const check = (): void => {
    try {
      const now = here();
      if (now === last) return;
      last = now;
      onChange(now);
    } catch {
      /* ignore */
    }
  };
  try {
    const navigation = (globalThis as { navigation?: EventTarget }).navigation;
    navigation?.addEventListener?.('currententrychange', check);
    addEventListener('popstate', check);
    addEventListener('hashchange', check);
  } catch {
    /* ignore */
  }
}
