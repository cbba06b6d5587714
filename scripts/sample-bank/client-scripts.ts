/**
 * The external page scripts (the CSP forbids inline ones). Each renders its
 * page's data from the JSON API with DOM calls only, then marks the page
 * ready with body[data-ready="true"] so tests know when to look. Number
 * formatting is done by hand: no locale or clock may change the output.
 */
import type { SiteVersion } from './palette';

const FORMAT_MONEY = `function formatMoney(minor) {
    var sign = minor < 0 ? '-' : '';
    var abs = Math.abs(minor);
    var units = String(Math.floor(abs / 100)).replace(/\\B(?=(\\d{3})+(?!\\d))/g, ',');
    var pence = String(abs % 100).padStart(2, '0');
    return sign + 'GBP ' + units + '.' + pence;
  }`;

function fetchJson(path: string): string {
  return `fetch('${path}', { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
    .then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    })`;
}

export function homeJs(version: SiteVersion): string {
  return `/* Home page offers, version ${version}. */
(function () {
  'use strict';
  var list = document.getElementById('offers');
  ${fetchJson('/api/offers')}
    .then(function (offers) {
      offers.forEach(function (offer) {
        var item = document.createElement('li');
        item.className = 'offer';
        item.id = 'offer-' + offer.id;
        var title = document.createElement('h3');
        title.textContent = offer.title;
        var rate = document.createElement('span');
        rate.className = 'rate';
        rate.textContent = offer.rate;
        var summary = document.createElement('p');
        summary.textContent = offer.summary;
        item.append(title, ${version === 1 ? 'rate, summary' : 'summary, rate'});
        list.appendChild(item);
      });
    })
    .catch(function () {
      list.textContent = 'Offers are unavailable right now.';
    })
    .then(function () {
      list.setAttribute('aria-busy', 'false');
      document.body.setAttribute('data-ready', 'true');
    });
})();
`;
}

export function accountsJs(version: SiteVersion): string {
  return `/* Accounts table, version ${version}. */
(function () {
  'use strict';
  var SVG_NS = 'http://www.w3.org/2000/svg';
  ${FORMAT_MONEY}
  function icon(name) {
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('class', 'icon');
    svg.setAttribute('aria-hidden', 'true');
    var use = document.createElementNS(SVG_NS, 'use');
    use.setAttribute('href', '/img/icons.svg#' + name);
    svg.appendChild(use);
    return svg;
  }
  function cell(text, className) {
    var td = document.createElement('td');
    if (className) td.className = className;
    td.textContent = text;
    return td;
  }
  var body = document.querySelector('#accounts tbody');
  ${fetchJson('/api/accounts')}
    .then(function (accounts) {
      accounts.forEach(function (account) {
        var row = document.createElement('tr');
        row.id = 'account-' + account.id;
        var name = cell(account.name);
        name.prepend(icon(account.icon));
        row.append(
          name,
          cell(account.sortCode + ' ' + account.number),
          cell(formatMoney(account.balanceMinor), account.balanceMinor < 0 ? 'amount negative' : 'amount')
        );
        body.appendChild(row);
      });
    })
    .catch(function () {
      var row = document.createElement('tr');
      var td = cell('Accounts are unavailable right now.');
      td.colSpan = 3;
      row.appendChild(td);
      body.appendChild(row);
    })
    .then(function () {
      document.body.setAttribute('data-ready', 'true');
    });
})();
`;
}
