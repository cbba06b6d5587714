/**
 * The form signals of one page, from rrweb focus/blur interactions, Input events and clicks:
 * - reentry     a field filled, left (blur, or input on another field), then changed again.
 * - hesitation  a pause inside one field (focus to first input, or between two inputs, without leaving it) longer
 *               than hesitationMs and shorter than hesitationMaxMs (longer is a customer who walked away).
 * - abandon     judged when the page ends (see page-watch.ts): fields filled and no button pressed in their form
 *               (or on the page, for fields outside a form) after the last fill, nor a write request (forms.ts
 *               leaves that check to the detector, which holds the captures).
 * Values are never kept: only whether a field is filled.
 */
import type { ElementRef } from './elements';
import { MAX_FIELDS_PER_PAGE } from './limits';
import type { Signal } from './signal';
import type { Thresholds } from './thresholds';

/** One field of a page as far as it was touched (read by field analytics, analytics/fields/). */
export interface FieldState {
  ref: ElementRef;
  filled: boolean;
  /** First focus or input. */
  firstAt: number;
  /** Customer inputs received. */
  inputs: number;
  /** Last input moment, or undefined before the first. */
  lastInput?: number;
  /** Focus moment while no input has come since. */
  focusAt?: number;
  /** Left after an input (blur, or input elsewhere). */
  leftAfterInput: boolean;
  reentered: boolean;
}

export interface FormGroupEnd {
  formId: number;
  fields: number;
  last: ElementRef;
  lastFillAt: number;
}

export class FormWatch {
  private readonly fields = new Map<number, FieldState>();
  private current = 0;
  /** Last moment a button was pressed per form id (0: outside any form). */
  private readonly pressed = new Map<number, number>();

  constructor(private readonly t: Thresholds, private readonly emit: (s: Omit<Signal, 'pageId'>) => void) {}

  focus(at: number, ref: ElementRef | undefined): void {
    if (!ref?.fillable) return;
    if (this.current && this.current !== ref.id) this.leave(this.current);
    const f = this.state(ref, at);
    if (!f) return;
    this.current = ref.id;
    f.focusAt = at;
  }

  blur(id: number): void {
    this.leave(id);
    if (this.current === id) this.current = 0;
  }

  input(at: number, ref: ElementRef | undefined, filled: boolean): void {
    if (!ref?.fillable) return;
    if (this.current && this.current !== ref.id) this.leave(this.current);
    const f = this.state(ref, at);
    if (!f) return;
    this.current = ref.id;
    f.inputs++;
    if (f.lastInput !== undefined && f.leftAfterInput && !f.reentered && ref.kind === 'text-field') {
      f.reentered = true;
      this.emit({ name: 'reentry', at, element: { selector: ref.selector, label: ref.label }, detail: { awayMs: at - f.lastInput } });
    }
    const since = f.leftAfterInput ? f.focusAt : (f.lastInput ?? f.focusAt);
    if (since !== undefined && ref.kind === 'text-field') {
      const pause = at - since;
      if (pause > this.t.hesitationMs && pause < this.t.hesitationMaxMs) {
        this.emit({ name: 'hesitation', at: since, element: { selector: ref.selector, label: ref.label }, detail: { pauseMs: pause } });
      }
    }
    f.leftAfterInput = false;
    f.focusAt = undefined;
    f.lastInput = at;
    f.filled = filled;
  }

  /** A button pressed: it may send the form it is in (or the page's loose fields). */
  press(at: number, ref: ElementRef): void {
    if (ref.submits) this.pressed.set(ref.formId, at);
  }

  /** Groups of filled fields (per form) with no button pressed after their last fill: abandoned if nothing else sent them. */
  unsent(): FormGroupEnd[] {
    const groups = new Map<number, FormGroupEnd>();
    for (const f of this.fields.values()) {
      if (!f.filled || f.lastInput === undefined) continue;
      const g = groups.get(f.ref.formId);
      if (!g) groups.set(f.ref.formId, { formId: f.ref.formId, fields: 1, last: f.ref, lastFillAt: f.lastInput });
      else {
        g.fields++;
        if (f.lastInput >= g.lastFillAt) {
          g.last = f.ref;
          g.lastFillAt = f.lastInput;
        }
      }
    }
    return [...groups.values()].filter((g) => {
      // Loose fields (no form) are sent by any button on the page; a form's fields by a button in it.
      let pressedAt = this.pressed.get(g.formId);
      if (g.formId === 0) for (const at of this.pressed.values()) pressedAt = Math.max(pressedAt ?? at, at);
      return pressedAt === undefined || pressedAt < g.lastFillAt;
    });
  }

  /** The fields touched so far, in first-touch order. */
  touched(): readonly Readonly<FieldState>[] {
    return [...this.fields.values()];
  }

  /** The last moment a button that may send form `formId` was pressed (0: loose fields), if any. */
  pressedAt(formId: number): number | undefined {
    return this.pressed.get(formId);
  }

  private state(ref: ElementRef, at: number): FieldState | undefined {
    let f = this.fields.get(ref.id);
    if (!f && this.fields.size < MAX_FIELDS_PER_PAGE) {
      f = { ref, filled: false, firstAt: at, inputs: 0, leftAfterInput: false, reentered: false };
      this.fields.set(ref.id, f);
    }
    return f;
  }

  private leave(id: number): void {
    const f = this.fields.get(id);
    if (f && f.lastInput !== undefined) f.leftAfterInput = true;
  }
}
