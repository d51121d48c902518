/**
 * Which stream parser a new TCP flow gets. The application parsers live in ./app (their own module, used only
 * through ./app/index.ts); this file is the only place the packet core picks among them.
 */
import { AppStream } from './app/index.ts';
import type { StreamParserFactory } from './sensor.ts';

/**
 * Every TCP flow gets an AppStream: HTTP/1.x, TLS and DNS over TCP are recognised by content (ports only break
 * ties), so HTTP on 8080 or TLS on 8443 is parsed too. Once it gives up ('unknown'), the sensor stops reassembling.
 */
export const defaultStreamParsers: StreamParserFactory = (sink, hint) => new AppStream(sink, hint);
