import {build} from 'esbuild';
import {gzipSync} from 'node:zlib';
const r = await build({stdin:{contents:"export {createTokenManager} from './src/index.ts'", resolveDir: process.cwd(), loader:'ts'}, bundle:true, format:'esm', splitting:true, minify:true, platform:'browser', target:'es2022', outdir:'/virtual-out', write:false, metafile:true, logLevel:'silent'});
const outs = r.metafile.outputs;
const entry = Object.keys(outs).find(k=>outs[k].entryPoint!==undefined);
const seen=new Set(); const visit=(f)=>{if(seen.has(f))return;seen.add(f);for(const i of outs[f].imports) if(i.kind==='import-statement'&&!i.external) visit(i.path)}; visit(entry);
let start=0,total=0;
for (const f of r.outputFiles){const k=Object.keys(outs).find(o=>f.path.endsWith(o.replace(/^.*virtual-out\//,'')));const g=gzipSync(f.contents,{level:9}).length; const isStart=seen.has(k); if(isStart) start+=g; total+=g; console.log(isStart?'S':' ', k.replace(/^.*virtual-out\//,''), f.contents.length, g); if (process.argv[2]) for (const [p,i] of Object.entries(outs[k].inputs)) console.log('     ', i.bytesInOutput, p);}
console.log('start',start,'total',total);
