// Scans every file a workflow wrote and every text it printed for known secrets, raw and in the
// encodings a careless writer might use (base64, hex, URL-encoding). Reports labels, not secrets.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function filesUnder(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out = out.concat(filesUnder(p));
    else if (st.isFile()) out.push(p);
  }
  return out;
}

function needles(secret: string): Buffer[] {
  const b = Buffer.from(secret, 'utf8');
  return [b, Buffer.from(b.toString('base64')), Buffer.from(b.toString('hex')), Buffer.from(encodeURIComponent(secret)), Buffer.from(JSON.stringify(secret).slice(1, -1))];
}

export function scanForSecrets(secrets: string[], roots: { dirs?: string[]; texts?: string[] }): { where: string; secret: string }[] {
  const found: { where: string; secret: string }[] = [];
  const haystacks: { where: string; data: Buffer }[] = [];
  for (const d of roots.dirs ?? []) for (const f of filesUnder(d)) haystacks.push({ where: f, data: readFileSync(f) });
  (roots.texts ?? []).forEach((t, i) => haystacks.push({ where: `output #${i}`, data: Buffer.from(t, 'utf8') }));
  secrets.forEach((s, i) => {
    for (const h of haystacks) {
      if (needles(s).some((n) => n.length > 0 && h.data.includes(n))) found.push({ where: h.where, secret: `secret #${i + 1}` });
    }
  });
  return found;
}
