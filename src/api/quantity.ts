// resource.Quantity: Kubernetes' fixed-point numbers with SI and binary suffixes ("500m",
// "1.5Gi", "1e3"). Values are held exactly as a count of nano-units, the finest precision
// Kubernetes keeps, and printed in Kubernetes' canonical form so that what a user reads back
// (`cpu: 1500m`, `memory: 1536Mi`) matches kube-apiserver.

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

const quantityRe = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
export const quantityFormatError =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const decimalSuffixes: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalByExponent = new Map(Object.entries(decimalSuffixes).map(([k, v]) => [v, k]));
const binaryByExponent = new Map(Object.entries(binarySuffixes).map(([k, v]) => [v, k]));

const NANO = 1_000_000_000n;

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

export class Quantity {
  private constructor(
    /** The value in units of 10^-9. */
    readonly nanos: bigint,
    readonly format: QuantityFormat,
  ) {}

  static parse(input: string | number): Quantity {
    const s = typeof input === 'number' ? String(input) : input.trim();
    const m = quantityRe.exec(s);
    if (!m || s.length === 0) throw new Error(quantityFormatError);
    let num = m[1]!;
    const suffix = m[2]!;
    let negative = false;
    if (num.startsWith('+') || num.startsWith('-')) {
      negative = num.startsWith('-');
      num = num.slice(1);
    }
    const parts = num.split('.');
    if (parts.length > 2 || !/\d/.test(num)) throw new Error(quantityFormatError);
    const whole = parts[0] ?? '';
    const frac = parts[1] ?? '';

    let base: 10 | 2;
    let exponent: number;
    let format: QuantityFormat;
    if (suffix in decimalSuffixes) {
      base = 10;
      exponent = decimalSuffixes[suffix]!;
      format = 'DecimalSI';
    } else if (suffix in binarySuffixes) {
      base = 2;
      exponent = binarySuffixes[suffix]!;
      format = 'BinarySI';
    } else if (/^[eE][-+]?\d+$/.test(suffix)) {
      base = 10;
      exponent = Number(suffix.slice(1));
      format = 'DecimalExponent';
    } else {
      throw new Error(quantityFormatError);
    }

    // value = digits * 10^-frac.length * base^exponent; scale to nanos and round up like kube.
    const digits = BigInt(`${whole}${frac}` || '0');
    let numerator = digits * NANO;
    let denominator = 10n ** BigInt(frac.length);
    if (base === 2) numerator *= 2n ** BigInt(exponent);
    else if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
    let nanos = ceilDiv(numerator, denominator);
    if (negative) nanos = -nanos;
    return new Quantity(nanos, format);
  }

  static fromNanos(nanos: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(nanos, format);
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }

  sign(): number {
    return this.nanos === 0n ? 0 : this.nanos > 0n ? 1 : -1;
  }

  /** Rounded up to the next milli-unit, like Kubernetes' MilliValue(). */
  milliValue(): number {
    return Number(ceilDiv(this.nanos, 1_000_000n));
  }

  /** Rounded up to the next whole unit, like Kubernetes' Value(). */
  value(): number {
    return Number(ceilDiv(this.nanos, NANO));
  }

  cmp(o: Quantity): number {
    return this.nanos === o.nanos ? 0 : this.nanos < o.nanos ? -1 : 1;
  }

  add(o: Quantity): Quantity {
    return new Quantity(this.nanos + o.nanos, this.isZero() ? o.format : this.format);
  }

  sub(o: Quantity): Quantity {
    return new Quantity(this.nanos - o.nanos, this.isZero() ? o.format : this.format);
  }

  toString(): string {
    if (this.nanos === 0n) return '0';
    const sign = this.nanos < 0n ? '-' : '';
    const abs = this.nanos < 0n ? -this.nanos : this.nanos;
    // Binary form only for whole numbers of at least 1024; anything else would lose precision or confuse.
    if (this.format === 'BinarySI' && abs >= 1024n * NANO && abs % NANO === 0n) {
      let mantissa = abs / NANO;
      let exp = 0;
      while (exp < 60 && mantissa % 1024n === 0n) {
        mantissa /= 1024n;
        exp += 10;
      }
      return `${sign}${mantissa}${binaryByExponent.get(exp) ?? ''}`;
    }
    let mantissa = abs;
    let exp = -9;
    while (mantissa % 1000n === 0n && (this.format === 'DecimalExponent' || exp < 18)) {
      mantissa /= 1000n;
      exp += 3;
    }
    if (this.format === 'DecimalExponent') return `${sign}${mantissa}${exp === 0 ? '' : `e${exp}`}`;
    return `${sign}${mantissa}${decimalByExponent.get(exp)}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

export function parseQuantity(s: string | number): Quantity {
  return Quantity.parse(s);
}

/** Millicores as `kubectl top` prints them ("250m"). */
export const milliCpuText = (milliCpu: number): string => `${Math.round(milliCpu)}m`;

/** Bytes in whole MiB, as `kubectl top` prints them ("512Mi"). */
export const mebibytesText = (bytes: number): string => `${Math.floor(bytes / (1024 * 1024))}Mi`;
