process.env.TF_CPP_MIN_LOG_LEVEL = '2';
process.env.TF_NUM_INTRAOP_THREADS = '2'; process.env.TF_NUM_INTEROP_THREADS = '1';
const tf = await import('@tensorflow/tfjs-node');
const { batchedLossAndGradients, stackParticles, initialParameters, momentumTensor } = await import('@pes/inner-problems');
const { makeKey, normal } = await import('@pes/core');
const N = Number(process.argv[2] ?? 8), B = 100;
const arch = [784, 100, 100, 10];
const params = stackParticles(Array.from({ length: N }, (_, p) => initialParameters(makeKey(p), arch, 'relu')));
const x = tf.tensor2d(Float32Array.from(normal(makeKey(9), B * 784)), [B, 784]);
const y = tf.oneHot(tf.tensor1d(Array.from({ length: B }, (_, i) => i % 10), 'int32'), 10).toFloat();
const batch = { x, xT: tf.transpose(x), y };
const opt = momentumTensor().withLearningRates!(tf.fill([N, 1, 1], 0.01));
let state = opt.init(params);
const step = () => tf.tidy(() => {
  const { loss, grads } = batchedLossAndGradients(params, batch as never, 'relu');
  const u = opt.update(grads, state, params, 0);
  const updated = params.map((p, i) => tf.add(p, u.updates[i]!));
  loss.dataSync();
  return [...updated, ...u.state];
});
for (let i = 0; i < 5; i++) tf.dispose(step());
const t = performance.now(); for (let i = 0; i < 20; i++) tf.dispose(step()); console.log('step ms', ((performance.now() - t) / 20).toFixed(2));
const info = await tf.profile(() => step());
const byKernel = new Map<string, { n: number; ms: number }>();
for (const k of info.kernels) { const e = byKernel.get(k.name) ?? { n: 0, ms: 0 }; e.n++; e.ms += Number(k.kernelTimeMs); byKernel.set(k.name, e); }
console.log('kernels', info.kernels.length);
[...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).forEach(([k, v]) => console.log(k.padEnd(20), v.n, v.ms.toFixed(3)));
console.log(info.kernels.map((k) => `${k.name}${JSON.stringify(k.outputShapes?.[0] ?? '')}`).join('\n'));
