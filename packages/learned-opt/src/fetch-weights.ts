import { thetaFromWeights, WeightsError } from './weights-json.js';

/** The part of `fetch` this needs; a browser's or Node's global `fetch` is one. */
export type FetchWeights = (url: string) => Promise<{
  ok: boolean;
  status: number;
  statusText: string;
  json(): Promise<unknown>;
}>;

/**
 * θ from a weights file served at `url` (a browser's way to load one; no file system). Throws
 * WeightsError naming the URL when the request fails or the body is not such a file.
 */
export async function fetchLearnedOptimizer(
  url: string,
  fetchWeights: FetchWeights = globalThis.fetch,
): Promise<Float64Array> {
  let response: Awaited<ReturnType<FetchWeights>>;
  try {
    response = await fetchWeights(url);
  } catch (error) {
    throw new WeightsError(`cannot fetch ${url}: ${(error as Error).message}`);
  }
  if (!response.ok)
    throw new WeightsError(`cannot fetch ${url}: ${response.status} ${response.statusText}`);
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new WeightsError(`${url} is not valid JSON`);
  }
  return thetaFromWeights(body, url);
}
