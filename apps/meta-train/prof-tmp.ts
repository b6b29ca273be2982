import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeKey } from '@pes/core';
import { initialMlpLoptTheta, mlpLearnedOptimizerRule } from '../../packages/learned-opt/src/mlp-lopt.ts';
await tf.setBackend('wasm'); await tf.ready();
const theta = initialMlpLoptTheta(makeKey(3));
const arch=[784,100,100,10];
const params: tf.Tensor[] = []; for (let l=1;l<arch.length;l++){ params.push(tf.randomNormal([arch[l-1]!,arch[l]!])); params.push(tf.randomNormal([arch[l]!])); }
const grads = params.map(p => tf.randomNormal(p.shape));
const rule = mlpLearnedOptimizerRule(theta);
const state = rule.init(params);
for (let i=0;i<3;i++) tf.dispose(Object.values(tf.tidy(()=>rule.step({theta,t:1,params,grads,state}))).flat());
const info = await tf.profile(() => { const r = rule.step({theta,t:1,params,grads,state}); return [...r.params, ...r.state]; });
const agg: Record<string,{ms:number,n:number}> = {};
for (const k of info.kernels) { const a = agg[k.name] ??= {ms:0,n:0}; a.ms += k.kernelTimeMs as number; a.n++; }
console.log(Object.entries(agg).sort((a,b)=>b[1].ms-a[1].ms).map(([k,v])=>`${k} ${v.ms.toFixed(2)} (${v.n})`).join('\n'));
for (const k of info.kernels.filter(k => (k.kernelTimeMs as number) > 2)) console.log(k.name, k.inputShapes, k.kernelTimeMs);
