import { influenceBalancingTask } from '@pes/inner-problems';
import { estimatorColor } from './colors.js';
import type { IterationPoint } from './protocol.js';
import type { TaskView } from './panel.js';

const [WIDTH, HEIGHT, MARGIN] = [600, 320, 40];

/**
 * θ of influence balancing against the outer iteration, with the optimum θ* the task gives in
 * closed form (−1/6) as a dashed line: unbiased estimators settle on it, truncated ES does not.
 */
export function influenceView(): TaskView {
  const canvas = document.createElement('canvas');
  canvas.width = WIDTH;
  canvas.height = HEIGHT;
  canvas.setAttribute('aria-label', 'influence balancing: θ against iterations');
  const optimum = influenceBalancingTask().optimalTheta();

  return {
    canvas,
    draw(paths: Map<string, IterationPoint[]>) {
      const context = canvas.getContext('2d')!;
      context.clearRect(0, 0, WIDTH, HEIGHT);
      const all = [...paths.values()].flat();
      const iterations = Math.max(1, ...all.map((p) => p.iteration));
      const thetas = [optimum, ...all.map((p) => p.theta[0]!).filter(Number.isFinite)];
      const [low, high] = [Math.min(...thetas), Math.max(...thetas)];
      const pad = Math.max(0.05, (high - low) * 0.1);
      const [bottom, top] = [low - pad, high + pad];
      const x = (i: number) => MARGIN + (i / iterations) * (WIDTH - 2 * MARGIN);
      const y = (t: number) =>
        HEIGHT - MARGIN - ((t - bottom) / (top - bottom)) * (HEIGHT - 2 * MARGIN);

      context.strokeStyle = '#999';
      context.strokeRect(MARGIN, MARGIN, WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN);
      context.fillStyle = '#333';
      context.font = '12px system-ui, sans-serif';
      context.fillText(`outer iteration (0 … ${iterations})`, WIDTH / 2 - 60, HEIGHT - 12);
      context.fillText(top.toFixed(2), 2, MARGIN + 4);
      context.fillText(bottom.toFixed(2), 2, HEIGHT - MARGIN);
      context.fillText('θ', 8, HEIGHT / 2);

      context.setLineDash([6, 4]);
      context.strokeStyle = '#000';
      context.beginPath();
      context.moveTo(MARGIN, y(optimum));
      context.lineTo(WIDTH - MARGIN, y(optimum));
      context.stroke();
      context.setLineDash([]);
      context.fillText(`θ* = ${optimum.toFixed(4)}`, WIDTH - MARGIN - 80, y(optimum) - 6);

      for (const [estimator, points] of paths) {
        context.strokeStyle = estimatorColor(estimator);
        context.lineWidth = 2;
        context.beginPath();
        points.forEach((p, i) => {
          if (i === 0) context.moveTo(x(p.iteration), y(p.theta[0]!));
          else context.lineTo(x(p.iteration), y(p.theta[0]!));
        });
        context.stroke();
      }
    },
  };
}
