import { describe, expect, it } from 'vitest';
import { LlmOutage } from './outage.js';

describe('LlmOutage', () => {
  it('calls one model unreachable after three unanswered generations in a row', () => {
    const outage = new LlmOutage<number>(['a']);
    expect(outage.unanswered('a', 1)).toBe(false);
    expect(outage.unanswered('a', 2)).toBe(false);
    expect(outage.unanswered('a', 3)).toBe(true);
    expect(outage.release()).toEqual([1, 2, 3]);
    expect(outage.release()).toEqual([]);
  });

  it('hands back the held generations when a reply shows the failure was transient', () => {
    const outage = new LlmOutage<number>(['a']);
    outage.unanswered('a', 1);
    outage.unanswered('a', 2);
    expect(outage.answered()).toEqual([1, 2]);
    // The streak starts again.
    expect(outage.unanswered('a', 4)).toBe(false);
    expect(outage.unanswered('a', 5)).toBe(false);
    expect(outage.unanswered('a', 6)).toBe(true);
  });

  it('waits for every model of the pool to fail among the streak', () => {
    const outage = new LlmOutage<number>(['a', 'b']);
    expect(outage.unanswered('a', 1)).toBe(false);
    expect(outage.unanswered('a', 2)).toBe(false);
    expect(outage.unanswered('a', 3)).toBe(false);
    expect(outage.unanswered('b', 4)).toBe(true);
  });

  it('at the end, unreachable only when held generations and no reply this session', () => {
    const silent = new LlmOutage<number>(['a']);
    expect(silent.unreachableAtEnd()).toBe(false);
    silent.unanswered('a', 1);
    expect(silent.unreachableAtEnd()).toBe(true);
    const answered = new LlmOutage<number>(['a']);
    answered.answered();
    answered.unanswered('a', 2);
    expect(answered.unreachableAtEnd()).toBe(false);
  });
});
