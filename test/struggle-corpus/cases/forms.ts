/** Cases for validation, abandon, reentry and hesitation on the transfer form, and their look-alikes. */
import type { CorpusCase } from '../case';
import { sleep, type Journey } from '../harness';

const IBAN = 'DE89370400440532013000';

/** Submits and waits for the confirmation page when the form is valid. */
async function send(j: Journey, valid: boolean): Promise<void> {
  await j.click('#send');
  if (valid) await j.page.waitForURL('**/done');
  await sleep(valid ? 500 : 1_000);
}

export const formCases: CorpusCase[] = [
  {
    id: 'validation-iban', about: ['validation', 'abandon'], note: 'a short IBAN submitted: marked invalid after submit; the customer then leaves',
    expect: [{ signal: 'validation', selector: '#iban' }],
    run: async (j) => { await j.open('/form'); await j.type('#iban', 'DE12'); await j.type('#amount', '50'); await send(j, false); },
  },
  {
    id: 'validation-amount-fixed', about: ['validation', 'reentry'], note: 'no amount: marked invalid after submit; the amount is typed (first time) and sent',
    expect: [{ signal: 'validation', selector: '#amount' }],
    run: async (j) => {
      await j.open('/form'); await j.type('#iban', IBAN); await send(j, false);
      await j.type('#amount', '120'); await send(j, true);
    },
  },
  {
    id: 'validation-iban-corrected', about: ['validation', 'reentry'], note: 'a wrong IBAN marked invalid after submit, corrected in the field, then sent',
    expect: [{ signal: 'validation', selector: '#iban' }, { signal: 'reentry', selector: '#iban' }],
    run: async (j) => {
      await j.open('/form'); await j.type('#iban', 'DE8937040044'); await j.type('#amount', '75'); await send(j, false);
      await j.click('#iban'); await j.key('End'); await j.page.keyboard.type('0532013000', { delay: 70 }); await send(j, true);
    },
  },
  {
    id: 'fast-form', about: ['validation', 'abandon', 'hesitation', 'reentry'], note: 'a fast, correct form sent at once',
    expect: [],
    run: async (j) => { await j.open('/form'); await j.type('#iban', IBAN, 25); await j.type('#amount', '10', 25); await send(j, true); },
  },
  {
    id: 'careful-form', about: ['validation', 'abandon', 'hesitation', 'reentry'], note: 'a correct form at a normal pace with a short pause between fields',
    expect: [],
    run: async (j) => {
      await j.open('/form'); await j.type('#iban', IBAN, 110); await sleep(1_500);
      await j.type('#amount', '250', 150); await j.type('#reference', 'Rent', 120); await send(j, true);
    },
  },
  {
    id: 'abandon-to-article', about: ['abandon'], note: 'IBAN and amount filled, then a link away, never sent',
    expect: [{ signal: 'abandon', selector: '#amount' }],
    run: async (j) => {
      await j.open('/form'); await j.type('#iban', IBAN); await j.type('#amount', '90');
      await sleep(500); await j.click('#to-article'); await j.page.waitForURL('**/article'); await sleep(500);
    },
  },
  {
    id: 'abandon-iban-only', about: ['abandon'], note: 'only the IBAN typed, then the customer leaves',
    expect: [{ signal: 'abandon', selector: '#iban' }],
    run: async (j) => { await j.open('/form'); await j.type('#iban', IBAN); await sleep(800); },
  },
  {
    id: 'abandon-after-error', about: ['abandon', 'validation'], note: 'sent, marked invalid, then more typed and left without sending again',
    expect: [{ signal: 'validation', selector: '#iban' }, { signal: 'abandon', selector: '#reference' }],
    run: async (j) => {
      await j.open('/form'); await j.type('#iban', 'XX1'); await j.type('#amount', '5'); await send(j, false);
      await j.type('#reference', 'Gift'); await sleep(500);
    },
  },
  {
    id: 'search-only', about: ['abandon'], note: 'only the search box typed in, then the customer leaves',
    expect: [],
    run: async (j) => { await j.open('/form'); await j.type('#search', 'landlord'); await sleep(600); },
  },
  {
    id: 'reentry-iban', about: ['reentry'], note: 'IBAN typed, amount typed, back to the IBAN to fix its end, then sent',
    expect: [{ signal: 'reentry', selector: '#iban' }],
    run: async (j) => {
      await j.open('/form'); await j.type('#iban', 'DE89370400440532013099'); await j.type('#amount', '40'); await sleep(400);
      await j.click('#iban'); await j.key('End'); await j.key('Backspace', 2); await j.page.keyboard.type('00', { delay: 90 }); await send(j, true);
    },
  },
  {
    id: 'reentry-amount', about: ['reentry'], note: 'amount typed, reference typed, amount changed afterwards, then sent',
    expect: [{ signal: 'reentry', selector: '#amount' }],
    run: async (j) => {
      await j.open('/form'); await j.type('#iban', IBAN); await j.type('#amount', '30'); await j.type('#reference', 'Bike');
      await j.click('#amount'); await j.key('End'); await j.page.keyboard.type('0', { delay: 90 }); await send(j, true);
    },
  },
  {
    id: 'typo-in-place', about: ['reentry', 'validation'], note: 'a typo corrected while still in the field',
    expect: [],
    run: async (j) => {
      await j.open('/form'); await j.type('#iban', 'DE8937040044053201300X'); await j.key('Backspace'); await j.page.keyboard.type('0', { delay: 80 });
      await j.type('#amount', '60'); await send(j, true);
    },
  },
  {
    id: 'revisit-unchanged', about: ['reentry'], note: 'back into the IBAN field to check it, nothing changed',
    expect: [],
    run: async (j) => {
      await j.open('/form'); await j.type('#iban', IBAN); await j.type('#amount', '15'); await j.click('#iban'); await sleep(700); await send(j, true);
    },
  },
  {
    id: 'hesitation-before', long: true, about: ['hesitation'], note: 'the amount field focused, 9.5 s before the first key',
    expect: [{ signal: 'hesitation', selector: '#amount' }],
    run: async (j) => { await j.open('/form'); await j.type('#iban', IBAN); await j.click('#amount'); await sleep(9_500); await j.page.keyboard.type('500', { delay: 90 }); await send(j, true); },
  },
  {
    id: 'hesitation-within', long: true, about: ['hesitation'], note: 'a 9.5 s pause half-way through the IBAN',
    expect: [{ signal: 'hesitation', selector: '#iban' }],
    run: async (j) => {
      await j.open('/form'); await j.type('#iban', 'DE893704'); await sleep(9_500); await j.page.keyboard.type('00440532013000', { delay: 70 });
      await j.type('#amount', '20'); await send(j, true);
    },
  },
  {
    id: 'pause-short-before', about: ['hesitation'], note: 'the amount field focused, 4 s before the first key (under the 8 s threshold)',
    expect: [],
    run: async (j) => { await j.open('/form'); await j.type('#iban', IBAN); await j.click('#amount'); await sleep(4_000); await j.page.keyboard.type('70', { delay: 90 }); await send(j, true); },
  },
  {
    id: 'pause-short-within', about: ['hesitation'], note: 'a 4 s pause half-way through the IBAN',
    expect: [],
    run: async (j) => {
      await j.open('/form'); await j.type('#iban', 'DE893704'); await sleep(4_000); await j.page.keyboard.type('00440532013000', { delay: 70 });
      await j.type('#amount', '20'); await send(j, true);
    },
  },
];
