import { createRequire as __mlopsCreateRequire } from 'node:module';
const require = __mlopsCreateRequire(import.meta.url);
import{b as f}from"./chunk-Q7RHGLIL.js";import{da as b,ka as w,la as y,pa as N}from"./chunk-QDZVFOVP.js";var m=g=>g.dropNote?{dropNote:g.dropNote}:{},k=class g{sections=[];markdown(t,i=1){let e=typeof i=="number"?{priority:i}:i;return this.sections.push({kind:"markdown",text:t,priority:e.priority??1,...m(e)}),this}heading(t,i=2,e=5){return this.markdown(`${"#".repeat(i)} ${t}`,e)}table(t,i,e={}){return this.sections.push({kind:"table",headers:t,rows:i,priority:e.priority??1,...m(e),...e.align?{align:e.align}:{}}),this}details(t,i,e={}){let n=new g;return i(n),this.sections.push({kind:"details",summary:t,children:n,open:e.open??!1,priority:e.priority??0,...m(e)}),this}build(t={budget:b}){let{unit:i}=t.budget,e=t.budget.limit-(t.reserve??0),n=s=>w(s,i)<=e,o=t.truncationNote??"full report in the job summary and the report artifact",p=this.render(Number.POSITIVE_INFINITY,o);if(n(p))return p;let r=this.sections.map((s,h)=>({section:s,index:h})).sort((s,h)=>s.section.priority-h.section.priority||h.index-s.index),d=new Set;for(let{section:s,index:h}of r){if(s.priority>=0)break;d.add(h);let c=this.render(Number.POSITIVE_INFINITY,o,d);if(n(c))return c}let u=0,l=this.maxRows();for(;u<l;){let s=Math.ceil((u+l)/2);n(this.render(s,o,d))?u=s:l=s-1}let a=this.render(u,o,d);if(n(a))return a;for(let{index:s}of r)if(!d.has(s)&&(d.add(s),a=this.render(u,o,d),n(a)))return a;return N(a,y(t.budget,t.reserve??0),{note:o})}maxRows(){return Math.max(0,...this.sections.map(t=>t.kind==="table"?t.rows.length:t.kind==="details"?t.children.maxRows():0))}render(t,i,e=new Set){let n=[],o=0,p=new Set;this.sections.forEach((r,d)=>{if(e.has(d)){r.dropNote?p.add(r.dropNote):o++;return}if(r.kind==="markdown")n.push(r.text);else if(r.kind==="table"){let u=r.rows.slice(0,t),l=f(r.headers,u,r.align),a=r.rows.length-u.length;a>0&&(l+=`

_\u2026 ${a.toLocaleString("en-US")} more rows not shown \u2014 ${i}._`),n.push(l)}else n.push(`<details${r.open?" open":""}>
<summary>${r.summary}</summary>

${r.children.render(t,i)}

</details>`)});for(let r of p)n.push(`_${r} to fit GitHub's size limit \u2014 ${i}._`);return o>0&&n.push(`_${o} section${o===1?"":"s"} left out to fit GitHub's size limit \u2014 ${i}._`),n.join(`

`)}};export{k as a};
