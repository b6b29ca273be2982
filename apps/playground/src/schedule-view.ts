import { estimatorColor } from './colors.js';
import type { MnistPoint } from './mnist-training.js';

const [WIDTH, HEIGHT, MARGIN] = [600, 320, 48];

// The plot's axis in decades: what the page draws, never what reaches θ.
// eslint-disable-next-line no-restricted-properties -- drawing only
const log10 = (r: number) => Math.log10(r);
// eslint-disable-next-line no-restricted-properties -- drawing only
const tenTo = (x: number) => Math.pow(10, x);

/**
 * The learning rate against the inner step t on a log scale: θ's first schedule dashed, every
 * tenth iteration's faint, the current one solid, so that the schedule is seen moving.
 */
export function scheduleView(): {
  canvas: HTMLCanvasElement;
  draw(points: readonly MnistPoint[]): void;
} {
  const canvas = document.createElement('canvas');
  canvas.width = WIDTH;
  canvas.height = HEIGHT;
  canvas.setAttribute('aria-label', 'learning-rate schedule: learning rate against inner step');

  return {
    canvas,
    draw(points) {
      const context = canvas.getContext('2d')!;
      context.clearRect(0, 0, WIDTH, HEIGHT);
      if (points.length === 0) return;
      const logs = points.flatMap((p) => p.rates.map(([, r]) => log10(r)));
      const finite = logs.filter(Number.isFinite);
      const [low, high] = [Math.min(...finite), Math.max(...finite)];
      const pad = Math.max(0.1, (high - low) * 0.1);
      const [bottom, top] = [low - pad, high + pad];
      const horizon = points[0]!.rates.at(-1)![0];
      const x = (t: number) => MARGIN + (t / horizon) * (WIDTH - 2 * MARGIN);
      const y = (log: number) =>
        HEIGHT - MARGIN - ((log - bottom) / (top - bottom)) * (HEIGHT - 2 * MARGIN);

      context.strokeStyle = '#999';
      context.strokeRect(MARGIN, MARGIN, WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN);
      context.fillStyle = '#333';
      context.font = '12px system-ui, sans-serif';
      context.fillText(`inner step t (0 … ${horizon})`, WIDTH / 2 - 50, HEIGHT - 12);
      context.fillText(`${tenTo(top).toPrecision(2)}`, 2, MARGIN + 4);
      context.fillText(`${tenTo(bottom).toPrecision(2)}`, 2, HEIGHT - MARGIN);
      context.fillText('learning rate (log)', 4, MARGIN - 12);

      const curve = (point: MnistPoint, style: string, width: number, dash: number[]) => {
        context.strokeStyle = style;
        context.lineWidth = width;
        context.setLineDash(dash);
        context.beginPath();
        point.rates.forEach(([t, r], i) => {
          if (i === 0) context.moveTo(x(t), y(log10(r)));
          else context.lineTo(x(t), y(log10(r)));
        });
        context.stroke();
        context.setLineDash([]);
      };
      for (const point of points.filter((p) => p.iteration > 0 && p.iteration % 10 === 0))
        curve(point, 'rgba(214, 39, 40, 0.25)', 1, []);
      curve(points[0]!, '#000', 1.5, [6, 4]);
      curve(points.at(-1)!, estimatorColor('pes'), 2.5, []);
    },
  };
}
