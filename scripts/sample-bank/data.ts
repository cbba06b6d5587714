/**
 * JSON the sample bank's pages fetch. Fixed values, no dates from the clock,
 * so every load renders identically; version 2 changes every payload.
 */
import type { SiteVersion } from './palette';

export interface Offer {
  id: string;
  title: string;
  rate: string;
  summary: string;
}

export interface Account {
  id: string;
  name: string;
  icon: 'card' | 'savings';
  sortCode: string;
  number: string;
  /** Minor units (pence) so no float formatting differences creep in. */
  balanceMinor: number;
  currency: 'GBP';
}

const OFFERS: Record<SiteVersion, Offer[]> = {
  1: [
    { id: 'saver-plus', title: 'Saver Plus', rate: '3.10% AER', summary: 'Easy access savings with no notice period.' },
    { id: 'fixed-2y', title: 'Two Year Fixed Bond', rate: '4.05% AER', summary: 'Lock in a rate for 24 months from 1,000 GBP.' },
    { id: 'card-cashback', title: 'Everyday Cashback Card', rate: '1% back', summary: 'Cashback on groceries and fuel, paid monthly.' },
  ],
  2: [
    { id: 'saver-max', title: 'Saver Max', rate: '3.45% AER', summary: 'Our best easy access rate, now with round-ups.' },
    { id: 'fixed-1y', title: 'One Year Fixed Bond', rate: '4.40% AER', summary: 'Twelve months, fixed, from 500 GBP.' },
    { id: 'travel-card', title: 'Travel Card', rate: '0% FX fee', summary: 'Spend abroad without foreign exchange fees.' },
    { id: 'mortgage-switch', title: 'Mortgage Switch', rate: '4.79% APRC', summary: 'Move your mortgage with free valuation.' },
  ],
};

const ACCOUNTS: Record<SiteVersion, Account[]> = {
  1: [
    { id: 'cur-1', name: 'Everyday Current', icon: 'card', sortCode: '20-14-67', number: '****4821', balanceMinor: 245017, currency: 'GBP' },
    { id: 'sav-1', name: 'Saver Plus', icon: 'savings', sortCode: '20-14-67', number: '****9930', balanceMinor: 1250000, currency: 'GBP' },
    { id: 'crd-1', name: 'Cashback Credit Card', icon: 'card', sortCode: '--', number: '****0412', balanceMinor: -38245, currency: 'GBP' },
  ],
  2: [
    { id: 'cur-1', name: 'Everyday Current', icon: 'card', sortCode: '20-14-67', number: '****4821', balanceMinor: 198302, currency: 'GBP' },
    { id: 'sav-2', name: 'Saver Max', icon: 'savings', sortCode: '20-14-67', number: '****7751', balanceMinor: 1387250, currency: 'GBP' },
    { id: 'crd-2', name: 'Travel Card', icon: 'card', sortCode: '--', number: '****2290', balanceMinor: -1299, currency: 'GBP' },
    { id: 'isa-2', name: 'Cash ISA', icon: 'savings', sortCode: '20-14-67', number: '****3107', balanceMinor: 500000, currency: 'GBP' },
  ],
};

export function offersFor(version: SiteVersion): Offer[] {
  return OFFERS[version];
}

export function accountsFor(version: SiteVersion): Account[] {
  return ACCOUNTS[version];
}

/** Payees offered by the transfer form's <select>. */
export function payeesFor(version: SiteVersion): { value: string; label: string }[] {
  return version === 1
    ? [
        { value: 'landlord', label: 'Landlord - J. Smith' },
        { value: 'utility', label: 'City Power and Water' },
        { value: 'savings', label: 'Own account - Saver Plus' },
      ]
    : [
        { value: 'landlord', label: 'Landlord - J. Smith' },
        { value: 'council', label: 'Borough Council Tax' },
        { value: 'savings', label: 'Own account - Saver Max' },
        { value: 'isa', label: 'Own account - Cash ISA' },
      ];
}
