import { makeKey } from '@pes/core';
import { describe, expect, it } from 'vitest';
import {
  fetchLearnedOptimizer,
  initialMlpLoptTheta,
  LearnedTfOptimizer,
  learnedOptimizerJson,
  learnedOptimizerWeights,
  thetaFromWeights,
  WeightsError,
  type FetchWeights,
} from '../src/index.js';

const theta = initialMlpLoptTheta(makeKey(5));

/** A fetch that answers every URL with one status and body. */
function answering(status: number, body: unknown): FetchWeights {
  return async () => ({
    ok: status >= 200 && status < 300,
    status,
    statusText: status === 404 ? 'Not Found' : 'OK',
    json: async () => body,
  });
}

describe('weights without a file system (the browser-safe entry)', () => {
  it('a parsed weights object becomes θ exactly, and an optimizer', () => {
    const body = JSON.parse(learnedOptimizerJson(theta)) as unknown;
    expect(thetaFromWeights(body)).toEqual(theta);
    const optimizer = new LearnedTfOptimizer(thetaFromWeights(body));
    expect(optimizer.getConfig()['theta']).toEqual(Array.from(theta));
  });

  it('refuses a foreign object, naming its source', () => {
    expect(() => thetaFromWeights({ hello: 1 }, 'weights.json')).toThrow(
      /weights.json is not a @pes learned-optimizer file/,
    );
    expect(() => thetaFromWeights(null)).toThrow(WeightsError);
    expect(() => thetaFromWeights({ ...learnedOptimizerWeights(theta), theta: [1] })).toThrow(
      /θ must be 1762 finite numbers/,
    );
  });

  it('fetches θ by URL with the global fetch (a data: URL, no network)', async () => {
    const url = `data:application/json,${encodeURIComponent(learnedOptimizerJson(theta))}`;
    expect(await fetchLearnedOptimizer(url)).toEqual(theta);
  });

  it('names the URL when the request fails or the body is foreign', async () => {
    const url = 'https://example.invalid/lopt.json';
    await expect(fetchLearnedOptimizer(url, answering(404, {}))).rejects.toThrow(
      /cannot fetch https:\/\/example.invalid\/lopt.json: 404 Not Found/,
    );
    await expect(fetchLearnedOptimizer(url, answering(200, { hello: 1 }))).rejects.toThrow(
      /example.invalid\/lopt.json is not a @pes learned-optimizer file/,
    );
    const offline: FetchWeights = () => Promise.reject(new Error('offline'));
    await expect(fetchLearnedOptimizer(url, offline)).rejects.toThrow(WeightsError);
    await expect(fetchLearnedOptimizer(url, offline)).rejects.toThrow(/cannot fetch .*: offline/);
  });
});
