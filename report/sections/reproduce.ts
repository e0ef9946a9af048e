/** Report section "Reproduce": the exact commands of the run, from run.json. */
import { esc } from '../htmlPage.ts';
import type { SectionBuilder } from '../reportContext.ts';

function shellQuote(a: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Always present (says so when no run.json holds a command). */
export const reproduceSection: SectionBuilder = {
  id: 'reproduce',
  build({ chain }) {
    const top = chain.find((r) => r.step === 'demo') ?? chain.find((r) => r.step === 'analyze');
    const cmds = (top ? [top] : chain).filter((r) => r.command?.length).map((r) => `atomdyn ${r.command.map(shellQuote).join(' ')}`);
    const html = cmds.length
      ? `<pre class="cmd" id="reproduce-commands">${esc(cmds.join('\n'))}</pre><p class="note">Seeds and settings are recorded in each step's run.json; the same commands with the same versions (${esc(Object.entries(chain[chain.length - 1]?.versions ?? {}).map(([k, v]) => `${k} ${v}`).join(', '))}) give the same files.</p>`
      : '<p class="note">No run.json with a command was found in this folder.</p>';
    return { id: 'reproduce', title: 'Reproduce', html };
  },
};
