/**
 * The synthetic bond universe: sectors → deals → tranches. A CUSIP is a pool index; its deal shares
 * one issuer code (the first 6 characters) with its sibling tranches, as real CUSIPs do.
 */
import { hash3, type Random } from './seeded-random.js';

export interface Sector {
  readonly name: string;
  readonly share: number;
  readonly shelves: readonly string[];
  readonly tranches: readonly { readonly cls: string; readonly price: number; readonly spread: number }[];
  readonly series: (year: number, n: number) => string;
}

export const SECTORS: readonly Sector[] = [
  {
    name: 'BSL-CLO',
    share: 0.34,
    shelves: ['ARES', 'CGMS', 'OCT', 'MDPK', 'DRSLF', 'SYMP', 'VOYA', 'NEUB', 'BABSN', 'ELM', 'CIFC', 'BCC'],
    tranches: [
      { cls: 'A1', price: 100.15, spread: 0.125 },
      { cls: 'A2', price: 100.0, spread: 0.25 },
      { cls: 'B', price: 99.75, spread: 0.375 },
      { cls: 'C', price: 99.4, spread: 0.5 },
      { cls: 'D', price: 98.25, spread: 1 },
      { cls: 'E', price: 94.5, spread: 1.5 },
    ],
    series: (year, n) => `${year}-${n}A`,
  },
  {
    name: 'MM-CLO',
    share: 0.2,
    shelves: ['GOLUB', 'ABPCI', 'MCFCL', 'ANTR', 'TCWDL', 'BCRED', 'FCCLO', 'CRSTR'],
    tranches: [
      { cls: 'A1', price: 100.05, spread: 0.25 },
      { cls: 'A2', price: 99.8, spread: 0.375 },
      { cls: 'B', price: 99.4, spread: 0.5 },
      { cls: 'C', price: 98.75, spread: 0.75 },
      { cls: 'D', price: 96.5, spread: 1.25 },
      { cls: 'E', price: 91.0, spread: 2 },
    ],
    series: (year, n) => `${year}-${n + 30}A`,
  },
  {
    name: 'CMBS',
    share: 0.22,
    shelves: ['BANK', 'BMARK', 'BBCMS', 'WFCM', 'MSC', 'GSMS', 'CGCMT', 'COMM'],
    tranches: [
      { cls: 'A4', price: 95.5, spread: 0.25 },
      { cls: 'A5', price: 93.75, spread: 0.25 },
      { cls: 'AS', price: 90.5, spread: 0.5 },
      { cls: 'B', price: 86.0, spread: 1 },
      { cls: 'C', price: 79.0, spread: 1.5 },
      { cls: 'D', price: 63.0, spread: 3 },
    ],
    series: (year, n) => `${year}-${['B', 'BN', 'C', 'V'][n % 4]}${n + 10}`,
  },
  {
    name: 'ABS-AUTO',
    share: 0.14,
    shelves: ['SDART', 'AMCAR', 'DRIVE', 'CARMX', 'EART', 'FCAT', 'WLAKE', 'GCAR'],
    tranches: [
      { cls: 'A2', price: 100.02, spread: 0.125 },
      { cls: 'B', price: 99.85, spread: 0.25 },
      { cls: 'C', price: 99.5, spread: 0.375 },
      { cls: 'D', price: 98.6, spread: 0.5 },
      { cls: 'E', price: 96.25, spread: 1 },
    ],
    series: (year, n) => `${year}-${(n % 6) + 1}`,
  },
  {
    name: 'ABS-CONSUMER',
    share: 0.1,
    shelves: ['UPST', 'MFT', 'SCLP', 'LDCT', 'PRAT', 'OPFT'],
    tranches: [
      { cls: 'A', price: 99.9, spread: 0.25 },
      { cls: 'B', price: 99.3, spread: 0.375 },
      { cls: 'C', price: 98.1, spread: 0.75 },
      { cls: 'D', price: 95.75, spread: 1.25 },
    ],
    series: (year, n) => `${year}-${(n % 5) + 1}`,
  },
];

/** 5 digits + 1 letter (no I or O); an affine bijection of the deal number, so deals never share an issuer. */
const ISSUER_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const ISSUER_SPACE = 100_000 * ISSUER_LETTERS.length;
const ISSUE_CODES = ['AA', 'AC', 'AE', 'AG', 'AJ', 'AL'];

function cusipCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const ch = body.charCodeAt(i);
    let v = ch <= 57 ? ch - 48 : ch - 55; // '0'-'9' → 0-9, 'A'-'Z' → 10-35
    if (i % 2 === 1) v *= 2;
    sum += Math.floor(v / 10) + (v % 10);
  }
  return (10 - (sum % 10)) % 10;
}

export interface Bond {
  readonly cusip: string;
  readonly ticker: string;
  readonly sector: string;
  readonly price: number;
  readonly spread: number;
}

export class Universe {
  /** Cumulative popularity weights; index = CUSIP. */
  private readonly cumulative: Float64Array;
  /** [start, end) of each sector's indices. */
  readonly sectorRanges: readonly (readonly [number, number])[];
  private readonly dealBase: readonly number[];

  constructor(
    readonly size: number,
    private readonly salt: number,
    rng: Random,
  ) {
    const ranges: [number, number][] = [];
    const dealBase: number[] = [];
    let start = 0;
    let deals = 0;
    SECTORS.forEach((sector, i) => {
      const end = i === SECTORS.length - 1 ? size : Math.min(size, start + Math.max(1, Math.round(size * sector.share)));
      ranges.push([start, end]);
      dealBase.push(deals);
      deals += Math.ceil((end - start) / sector.tranches.length);
      start = end;
    });
    this.sectorRanges = ranges;
    this.dealBase = dealBase;
    // Log-normal popularity (σ 1): the median CUSIP gets ~60% of the mean, ~1% get 6× the mean or
    // more, a few percent are quoted once.
    this.cumulative = new Float64Array(size);
    let total = 0;
    for (let i = 0; i < size; i++) {
      total += Math.exp(rng.normal());
      this.cumulative[i] = total;
    }
  }

  /** A CUSIP index by popularity, within a sector or (sector -1) anywhere. */
  sample(rng: Random, sector: number): number {
    const [lo, hi] = sector < 0 ? [0, this.size] : this.sectorRanges[sector]!;
    if (hi <= lo) return this.sample(rng, -1);
    const below = lo === 0 ? 0 : this.cumulative[lo - 1]!;
    const target = below + rng.float() * (this.cumulative[hi - 1]! - below);
    let a = lo;
    let b = hi - 1;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (this.cumulative[mid]! > target) b = mid;
      else a = mid + 1;
    }
    return a;
  }

  bond(index: number): Bond {
    let s = 0;
    while (index >= this.sectorRanges[s]![1]) s++;
    const sector = SECTORS[s]!;
    const local = index - this.sectorRanges[s]![0];
    const dealNo = this.dealBase[s]! + Math.floor(local / sector.tranches.length);
    const tranche = sector.tranches[local % sector.tranches.length]!;
    const issuerNo = (dealNo * 1_234_567 + (this.salt % ISSUER_SPACE)) % ISSUER_SPACE;
    const body =
      String(Math.floor(issuerNo / ISSUER_LETTERS.length)).padStart(5, '0') +
      ISSUER_LETTERS[issuerNo % ISSUER_LETTERS.length]! +
      ISSUE_CODES[(local % sector.tranches.length) % ISSUE_CODES.length]!;
    const h = hash3(this.salt, dealNo, 1);
    const shelf = sector.shelves[h % sector.shelves.length]!;
    const year = 2017 + (hash3(this.salt, dealNo, 2) % 10);
    const series = sector.series(year, 1 + (hash3(this.salt, dealNo, 3) % 24));
    const jitter = (hash3(this.salt, index, 4) / 4294967296 - 0.5) * (100.5 - tranche.price + 0.5) * 0.8;
    return {
      cusip: body + String(cusipCheckDigit(body)),
      ticker: `${shelf} ${series} ${tranche.cls}`,
      sector: sector.name,
      price: tranche.price + jitter,
      spread: tranche.spread,
    };
  }
}
