import { describe, expect, it } from 'vitest';
import { formatNumber, parseDecimal } from './fields';

describe('parseDecimal', () => {
  it('reads a decimal comma and a decimal point alike', () => {
    expect(parseDecimal('2,5')).toEqual({ value: 2.5 });
    expect(parseDecimal('2.5')).toEqual({ value: 2.5 });
    expect(parseDecimal(' 0,75 ')).toEqual({ value: 0.75 });
    expect(parseDecimal(',5')).toEqual({ value: 0.5 });
  });
  it('never turns "2,5" into 25', () => {
    expect(parseDecimal('2,5').value).not.toBe(25);
  });
  it('reads whole numbers and negative numbers', () => {
    expect(parseDecimal('25')).toEqual({ value: 25 });
    expect(parseDecimal('-3')).toEqual({ value: -3 });
  });
  it('is empty for an empty field', () => {
    expect(parseDecimal('')).toEqual({ value: undefined });
    expect(parseDecimal('   ')).toEqual({ value: undefined });
  });
  it('refuses a comma that may be a thousands separator', () => {
    const r = parseDecimal('1,500');
    expect(r.value).toBeUndefined();
    expect(r.error).toMatch(/ambiguous.*1\.500.*1500/);
  });
  it('refuses text it cannot read, naming an example', () => {
    for (const t of ['2,5,1', '1.234,5', 'abc', '2 5', '1e3', '2..5', '-']) {
      const r = parseDecimal(t);
      expect(r.value, t).toBeUndefined();
      expect(r.error, t).toMatch(/Not a number/);
    }
  });
  it('asks for a whole number where one is needed', () => {
    expect(parseDecimal('3,5', { integer: true }).error).toMatch(/whole number/);
    expect(parseDecimal('3', { integer: true })).toEqual({ value: 3 });
  });
  it('checks limits when asked', () => {
    expect(parseDecimal('101', { max: 100 }).error).toMatch(/at most 100/);
    expect(parseDecimal('-1', { min: 0 }).error).toMatch(/at least 0/);
  });
  it('formats with a decimal point and no float noise', () => {
    expect(formatNumber(2.5)).toBe('2.5');
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(25)).toBe('25');
  });
});
