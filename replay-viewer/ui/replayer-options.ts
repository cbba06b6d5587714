/**
 * The Replayer options every replay in the viewer uses (the player, the live view): the isolation of the replay frame
 * (no script, ever: canvases are drawn by the viewer's own CanvasPainter, never rrweb's UNSAFE_replayCanvas, which
 * would add allow-scripts to the frame) and the settings that make a moment look as the customer saw it.
 */
import type { Replayer } from 'rrweb';
import type { CanvasPainter } from './canvas-painter';

type ReplayerConfig = NonNullable<ConstructorParameters<typeof Replayer>[1]>;

export function replayerOptions(root: HTMLElement, painter: CanvasPainter, speed = 1): ReplayerConfig {
  return {
    root,
    mouseTail: false,
    showWarning: false,
    showDebug: false,
    skipInactive: false,
    // Focus the element the customer had focused, so :focus styles show as they did.
    triggerFocus: true,
    pauseAnimation: true,
    // Never UNSAFE_replayCanvas: it adds allow-scripts to the replay frame. The painter draws canvases.
    plugins: [painter.plugin],
    speed,
    // Archived fonts and images arrive after rrweb has applied the recorded scroll;
    // scroll anchoring would then nudge the page off the position the customer had.
    insertStyleRules: ['* { overflow-anchor: none !important; }'],
  };
}
