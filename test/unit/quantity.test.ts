import { describe, expect, it } from 'vitest';
import { parseQuantity, Quantity, quantityFormatError } from '../../src/api/quantity.js';

describe('Quantity', () => {
  it.each([
    ['500m', '500m', 500, 1],
    ['0.1', '100m', 100, 1],
    ['1.5', '1500m', 1500, 2],
    ['2', '2', 2000, 2],
    ['1000', '1k', 1_000_000, 1000],
    ['1e3', '1e3', 1_000_000, 1000],
    ['1.5e3', '1500', 1_500_000, 1500],
    ['1.5Gi', '1536Mi', 1_610_612_736_000, 1_610_612_736],
    ['1536Mi', '1536Mi', 1_610_612_736_000, 1_610_612_736],
    ['1024Mi', '1Gi', 1_073_741_824_000, 1_073_741_824],
    ['0.5Ki', '512', 512_000, 512],
    ['128974848', '128974848', 128_974_848_000, 128_974_848],
    ['100M', '100M', 100_000_000_000, 100_000_000],
    ['1n', '1n', 1, 1],
    ['0', '0', 0, 0],
    ['-1', '-1', -1000, -1],
  ])('%s -> canonical %s', (input, canonical, milli, value) => {
    const q = parseQuantity(input);
    expect(q.toString()).toBe(canonical);
    expect(q.milliValue()).toBe(milli);
    expect(q.value()).toBe(value);
  });

  it('accepts numbers as YAML gives them', () => {
    expect(parseQuantity(2).toString()).toBe('2');
    expect(parseQuantity(0.25).toString()).toBe('250m');
  });

  it('rounds below a nano-unit up, and milliValue/value up', () => {
    expect(parseQuantity('0.1n').toString()).toBe('1n');
    expect(parseQuantity('1m').value()).toBe(1);
    expect(parseQuantity('1.0001m').milliValue()).toBe(2);
  });

  it.each(['', 'abc', '1.2.3', '1Qi', '5 m', 'm', '1e', '--1'])('rejects %j with kube message', (bad) => {
    expect(() => Quantity.parse(bad)).toThrow(quantityFormatError);
  });

  it('compares, adds and subtracts exactly', () => {
    expect(parseQuantity('1').cmp(parseQuantity('1000m'))).toBe(0);
    expect(parseQuantity('500m').cmp(parseQuantity('1'))).toBe(-1);
    expect(parseQuantity('1Gi').cmp(parseQuantity('1G'))).toBe(1);
    expect(parseQuantity('1').add(parseQuantity('500m')).toString()).toBe('1500m');
    expect(parseQuantity('1Gi').sub(parseQuantity('512Mi')).toString()).toBe('512Mi');
    expect(parseQuantity('0').add(parseQuantity('1Ki')).toString()).toBe('1Ki');
    expect(parseQuantity('0').isZero()).toBe(true);
  });

  it('serialises to its canonical string in JSON', () => {
    expect(JSON.stringify({ cpu: parseQuantity('0.5') })).toBe('{"cpu":"500m"}');
  });
});
