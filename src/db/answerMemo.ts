// Answers to questions about the database as it stood at a change token, kept a while: the same
// question asked again before anything changed gets the same answer without searching again.
// A token names one committed state and never comes back once anything changed, so an entry under
// an old token is simply never asked for again and ages out.
import { metrics } from '../observability/metrics.ts';

/** Answers kept; each can be large (thousands of candidates). */
const ENTRIES = 8;

export class AnswerMemo {
  private entries = new Map<string, Promise<unknown>>();

  /** `compute`'s answer for `key` at `token`; kept only when `keep` accepts it (a failure never is). */
  get<T>(token: string, key: string, compute: () => Promise<T>, keep: (answer: T) => boolean = () => true): Promise<T> {
    const id = `${token}\n${key}`;
    let answer = this.entries.get(id) as Promise<T> | undefined;
    metrics.memo.inc({ result: answer ? 'hit' : 'miss' });
    if (!answer) {
      if (this.entries.size >= ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      const computing = (answer = compute());
      this.entries.set(id, computing);
      const forget = () => this.entries.get(id) === computing && this.entries.delete(id);
      computing.then((a) => keep(a) || forget(), forget);
    }
    return answer;
  }
}
