import { thetaSurface, type ThetaRange } from '@pes/core';
import { toyRegressionTask } from '@pes/inner-problems';
import { estimatorColor, rampColor } from './colors.js';
import type { IterationPoint } from './protocol.js';
import type { TaskView } from './panel.js';

/** The θ plane drawn: both log learning rates, as in `pes experiment toy-regression`. */
export const TOY_RANGE: ThetaRange = [-6, 4];
/** Cells per side of the heat map: 10,000 full-horizon objectives, well under a second. */
export const TOY_RESOLUTION = 100;
const SIZE = 500;

/**
 * The paper's toy meta-loss surface (docs/paper.md b) as a heat map of log(1 + full-horizon
 * meta-loss), computed here in the page, with each estimator's θ path drawn over it.
 */
export function toyView(): TaskView {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = SIZE;
  canvas.setAttribute('aria-label', 'toy meta-loss surface with θ paths');
  const task = toyRegressionTask();
  const cells = thetaSurface([TOY_RANGE, TOY_RANGE], TOY_RESOLUTION, (theta) => ({
    // eslint-disable-next-line no-restricted-properties -- the heat map's colour, never θ
    loss: Math.log1p(task.metaObjective(theta)),
  }));
  const finite = cells.map((c) => c.loss).filter(Number.isFinite);
  const [low, high] = [Math.min(...finite), Math.max(...finite)];
  // θ0 runs along x, θ1 up the y axis; cells come θ0-major (thetaGridCells).
  const heat = new ImageData(TOY_RESOLUTION, TOY_RESOLUTION);
  cells.forEach((cell, index) => {
    const column = Math.floor(index / TOY_RESOLUTION);
    const row = TOY_RESOLUTION - 1 - (index % TOY_RESOLUTION);
    const [r, g, b] = Number.isFinite(cell.loss)
      ? rampColor((cell.loss - low) / (high - low))
      : [255, 255, 255];
    heat.data.set([r, g, b, 255], 4 * (row * TOY_RESOLUTION + column));
  });
  const tile = document.createElement('canvas');
  tile.width = tile.height = TOY_RESOLUTION;
  tile.getContext('2d')!.putImageData(heat, 0, 0);

  const [from, to] = TOY_RANGE;
  const x = (theta0: number) => ((theta0 - from) / (to - from)) * SIZE;
  const y = (theta1: number) => SIZE - ((theta1 - from) / (to - from)) * SIZE;

  return {
    canvas,
    draw(paths: Map<string, IterationPoint[]>) {
      const context = canvas.getContext('2d')!;
      context.imageSmoothingEnabled = false;
      context.drawImage(tile, 0, 0, SIZE, SIZE);
      context.fillStyle = '#fff';
      context.font = '12px system-ui, sans-serif';
      context.fillText(`θ0 (log initial learning rate), ${from} … ${to} →`, 28, SIZE - 8);
      context.save();
      context.translate(18, SIZE - 28);
      context.rotate(-Math.PI / 2);
      context.fillText(`θ1 (log final learning rate), ${from} … ${to} →`, 0, 0);
      context.restore();
      for (const [estimator, points] of paths) {
        if (points.length === 0) continue;
        context.strokeStyle = estimatorColor(estimator);
        context.lineWidth = 2;
        context.beginPath();
        points.forEach((p, i) => {
          const [px, py] = [x(p.theta[0]!), y(p.theta[1]!)];
          if (i === 0) context.moveTo(px, py);
          else context.lineTo(px, py);
        });
        context.stroke();
        const last = points.at(-1)!;
        context.fillStyle = estimatorColor(estimator);
        context.beginPath();
        context.arc(x(last.theta[0]!), y(last.theta[1]!), 4, 0, 2 * Math.PI);
        context.fill();
      }
    },
  };
}
