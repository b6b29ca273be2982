import * as tf from '@tensorflow/tfjs-node';
import { normalizedLopt, untrainedNormalizedTheta } from '@pes/learned-opt';
const params = [tf.randomNormal([128,128])];
const grads = params.map(p=>tf.randomNormal(p.shape));
const rule = normalizedLopt({learningRate:1e-3}).optimizer(untrainedNormalizedTheta());
let state = rule.init(params);
for (let i=0;i<5;i++) tf.tidy(()=>rule.update(grads,state,params,3).updates[0]!.dataSync());
const prof = await tf.profile(()=>{ const u = rule.update(grads,state,params,3); return u.updates[0]!; });
let tot=0; for (const k of prof.kernels) { tot+= k.kernelTimeMs as number; console.log(k.name.padEnd(22), (k.kernelTimeMs as number).toFixed(3), JSON.stringify(k.inputShapes)); }
console.log('total', tot.toFixed(2));
