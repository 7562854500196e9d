// Node's own limit: a bare node:http server answering every request with one precomputed JSON string.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [bodyFile, port] = process.argv.slice(2);
const body = readFileSync(bodyFile, 'utf8');
const length = String(Buffer.byteLength(body));

createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': length });
  res.end(body);
}).listen(Number(port), '127.0.0.1');
