import assert from 'node:assert/strict';
import { it } from 'node:test';
import { shadowSteps } from '../ui/deep-select';

it('splits a stable selector at each shadow root, not inside quoted values', () => {
  assert.deepEqual(shadowSteps('#send'), ['#send']);
  assert.deepEqual(shadowSteps('fid-transfer >> sl-input[name="amount"] >> #input'), ['fid-transfer', 'sl-input[name="amount"]', '#input']);
  assert.deepEqual(shadowSteps('div[aria-label="a >> b"] >> button'), ['div[aria-label="a >> b"]', 'button']);
  assert.deepEqual(shadowSteps('[data-testid="x\\" >> y"] > a'), ['[data-testid="x\\" >> y"] > a']);
});
