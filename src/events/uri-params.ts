/**
 * Query and fragment parameters of `audit_events_uri` values, read the way Teleport reads them:
 * booleans as Go's strconv.ParseBool, durations as Go durations, unknown names refused with the
 * list of known ones. Errors name the URI as the caller shows it (passwords masked).
 */
import { parseDuration } from '../api/duration.js';
import { BadParameterError } from '../api/errors.js';

const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** `uri` with the password of its user info masked (`postgresql://u:****@host/db`), otherwise as written. */
export function maskPassword(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):[^@/?#]*@/i, '$1:****@');
}

/** Parameters of one URI with the URI's display form for messages. */
export class URIParams {
  constructor(
    private readonly shown: string,
    private readonly params: URLSearchParams,
    /** `query` or `fragment`: where the parameters were written, for messages. */
    private readonly where: 'query' | 'fragment',
  ) {}

  /** Refuses any parameter not in `known`. */
  only(known: readonly string[]): void {
    for (const name of new Set(this.params.keys())) {
      if (!known.includes(name)) {
        throw new BadParameterError(
          `audit_events_uri "${this.shown}": unknown ${this.where} parameter "${name}" (supported: ${known.join(', ') || 'none'})`,
        );
      }
    }
  }

  /** The value of `name`, undefined when absent or empty. */
  str(name: string): string | undefined {
    const v = this.params.get(name);
    return v === null || v === '' ? undefined : v;
  }

  /** A Go boolean (`true`, `1`, `F`, ...); undefined when absent. */
  bool(name: string): boolean | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (TRUE.includes(v)) return true;
    if (FALSE.includes(v)) return false;
    throw new BadParameterError(`audit_events_uri "${this.shown}": ${name}=${v} is not a boolean (true or false)`);
  }

  /** A positive Go duration (`1h`, `8766h`, `30m0s`) in milliseconds; undefined when absent. */
  duration(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    let ms: number;
    try {
      ms = parseDuration(v);
    } catch (err) {
      throw new BadParameterError(`audit_events_uri "${this.shown}": ${name}=${v} is not a duration such as 1h or 30m`, { cause: err });
    }
    if (!(ms > 0)) throw new BadParameterError(`audit_events_uri "${this.shown}": ${name} must be above zero, got ${v}`);
    return ms;
  }
}
