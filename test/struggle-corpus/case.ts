/**
 * A corpus case: one scripted journey (one recorded session) and its labels, declared next to the script. `about`
 * names the signals the case exercises, as a session that has them or as a look-alike that must not; `expect` lists
 * every signal the session must have, with the element it must be on (search's selector) where it has one. Any
 * other signal found in the session is a false positive.
 */
import type { SignalName } from '../../replay-viewer/analytics/struggle/index';
import type { Journey } from './harness';

export interface Label {
  signal: SignalName;
  /** The element's selector; absent for signals without an element (slow, failed, quickback, scroll, thrash). */
  selector?: string;
}

export interface CorpusCase {
  id: string;
  about: SignalName[];
  /** What the customer does and why it is (or is not) struggle. */
  note: string;
  expect: Label[];
  /** The script waits 8 s or more: started first, so the corpus does not end waiting for it. */
  long?: boolean;
  /** Depends on the browser keeping pace with fast input (a shaken pointer, a flung wheel): run after the others, two at a time. */
  sensitive?: boolean;
  run(j: Journey): Promise<void>;
}
