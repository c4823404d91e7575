/** One line per DecodedEvent, for literal expectations in the pipeline and analysis tests. */
import { messageTypeTag, type TypedBody } from '../../src/analysis/body-decode.ts';
import type { DecodedEvent } from '../../src/pipeline/events.ts';

export function typedSummary(typed: TypedBody | undefined): string {
  if (typed === undefined) return 'untyped';
  if (typed.kind !== 'message') return typed.kind;
  const tag = messageTypeTag(typed);
  return `${typed.typeName}${tag === undefined ? '' : ` ${tag}`}${typed.encoding === 'json' ? ' (json)' : ''}`;
}

export function describeDecoded(e: DecodedEvent): string {
  const at = 'frame' in e && e.frame !== undefined ? `f${e.frame} ` : '';
  switch (e.type) {
    case 'message':
      return `${at}${e.flow ?? ''} ${e.name} ${e.from} -> ${e.to} [${typedSummary(e.typed)}]`;
    case 'request':
      return `${at}${e.flow ?? ''} ${e.method} ${e.target} [${typedSummary(e.typed)}]`;
    case 'response': {
      const answers =
        e.request === undefined
          ? ''
          : ` answers ${e.request}${e.requestFrame === undefined ? '' : `@f${e.requestFrame}`}`;
      const body = e.stream === undefined ? ` [${typedSummary(e.typed)}]` : ' stream';
      return `${at}${e.flow ?? ''} ${e.status}${answers}${body}`;
    }
    case 'record':
      return `${at}record @${e.offset} [${typedSummary(e.typed)}]`;
    case 'stream-end':
      return `${at}stream-end @${e.offset} records=${e.records} bytes=${e.bodyLength}`;
    case 'error':
      return `${at}error ${e.code} @${e.offset}`;
    case 'diagnostic': {
      const { kind, flow: _flow, direction: _direction, ...rest } = e.diagnostic as Record<string, unknown>;
      const fields = Object.entries(rest)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      return `${kind} ${fields}`;
    }
    case 'open':
      return `open #${e.connection} ${e.flow}${e.midstream ? ' midstream' : ''} f${e.frame}`;
    case 'close':
      return `close #${e.connection} ${e.reason}`;
  }
}
