import { afterEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { NumberInput } from './NumberInput';

let host: HTMLElement;
function mount(onChange: (v: number | undefined, e?: string) => void, value?: number) {
  host = document.createElement('div');
  document.body.appendChild(host);
  act(() => { render(<NumberInput id="ki67" value={value} unit="%" onChange={onChange} />, host); });
  return host.querySelector('input')!;
}
function type(input: HTMLInputElement, text: string) {
  act(() => { input.value = text; input.dispatchEvent(new Event('input', { bubbles: true })); });
}
afterEach(() => { render(null, host); host.remove(); });

describe('NumberInput', () => {
  it('is a text field with a decimal keyboard, not type=number', () => {
    const input = mount(() => {});
    expect(input.type).toBe('text');
    expect(input.getAttribute('inputmode')).toBe('decimal');
  });
  it('stores 2.5 for "2,5" and echoes the value it read', () => {
    const onChange = vi.fn();
    const input = mount(onChange);
    type(input, '2,5');
    expect(onChange).toHaveBeenLastCalledWith(2.5, undefined);
    expect(host.querySelector('[data-testid=number-echo]')?.textContent).toBe('Read as 2.5 %');
    expect(input.value).toBe('2,5');
    expect(input.getAttribute('aria-describedby')).toContain('ki67-echo');
  });
  it('refuses what it cannot read, visibly, and stores nothing', () => {
    const onChange = vi.fn();
    const input = mount(onChange);
    type(input, '1,500');
    expect(onChange).toHaveBeenLastCalledWith(undefined, expect.stringMatching(/ambiguous/));
    expect(host.querySelector('[data-testid=number-refused]')?.textContent).toMatch(/ambiguous/);
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });
  it('shows no echo when the text is the value', () => {
    const input = mount(() => {});
    type(input, '12');
    expect(host.querySelector('[data-testid=number-echo]')).toBeNull();
  });
  it('shows a value set from outside', () => {
    const input = mount(() => {}, 4.5);
    expect(input.value).toBe('4.5');
  });
});
