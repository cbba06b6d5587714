/** The thresholds file (overrides refused by key) and the score (weights, saturation, determinism). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_THRESHOLDS, loadThresholds, pageScores, SIGNAL_NAMES, struggleScore, WEIGHTS, type Signal } from '../index';

describe('thresholds', () => {
  it('defaults without overrides; an override replaces one key only', () => {
    assert.deepEqual(loadThresholds(), { ...DEFAULT_THRESHOLDS });
    assert.deepEqual(loadThresholds({ rageWindowMs: 800 }), { ...DEFAULT_THRESHOLDS, rageWindowMs: 800 });
  });

  it('refuses unknown keys, wrong types, out-of-range values and non-objects, naming the key', () => {
    const bad: [unknown, string, RegExp][] = [
      [{ rageWindow: 800 }, 'rageWindow', /unknown key "rageWindow"/],
      [{ deadWindowMs: '1200' }, 'deadWindowMs', /"deadWindowMs" must be a number from 100 to 60000/],
      [{ rageMinClicks: 1 }, 'rageMinClicks', /from 2 to 50/],
      [{ rageMinClicks: 2.5 }, 'rageMinClicks', /"rageMinClicks" must be a whole number from 2 to 50/],
      [{ slowRequestMs: Number.NaN }, 'slowRequestMs', /slowRequestMs/],
      [{ hesitationMs: 200_000 }, 'hesitationMaxMs', /must exceed/],
      [[1], '', /JSON object/],
      [null, '', /JSON object/],
      [{ __proto__: { rageMinClicks: 3 }, constructor: 1 }, 'constructor', /unknown key "constructor"/],
    ];
    for (const [input, key, message] of bad) {
      assert.throws(() => loadThresholds(input), (err: Error & { code?: string; context?: { key?: string } }) => {
        assert.equal(err.code, 'CONFIG_INVALID');
        assert.equal(err.context?.key, key);
        assert.match(err.message, message);
        return true;
      });
    }
  });
});

describe('score', () => {
  const sig = (name: Signal['name'], pageId = 'p1'): Signal => ({ name, at: 0, pageId });

  it('publishes a weight for every signal and scores by them: 0, 39 for one rage click, 71 for rage+dead+error', () => {
    assert.deepEqual(Object.keys(WEIGHTS).sort(), [...SIGNAL_NAMES].sort());
    assert.equal(struggleScore([]), 0);
    assert.equal(struggleScore([sig('rage')]), 39);
    assert.equal(struggleScore([sig('rage'), sig('dead'), sig('error')]), 71);
    assert.equal(struggleScore([sig('slow')]), 8);
  });

  it('saturates: 1,000 rage clicks count as 2, everything at once stays <= 100', () => {
    assert.equal(struggleScore(Array.from({ length: 1_000 }, () => sig('rage'))), struggleScore([sig('rage'), sig('rage')]));
    assert.equal(struggleScore([sig('rage'), sig('rage')]), 63);
    const all = SIGNAL_NAMES.flatMap((n) => Array.from({ length: 10 }, () => sig(n)));
    assert.equal(struggleScore(all), 100);
  });

  it('is deterministic and order-free; per page over that page\'s signals', () => {
    const list = [sig('dead', 'b'), sig('rage', 'a'), sig('abandon', 'a'), sig('slow', '')];
    assert.equal(struggleScore(list), struggleScore([...list].reverse()));
    assert.deepEqual([...pageScores(list)], [['a', 60], ['b', 22]]);
  });
});
