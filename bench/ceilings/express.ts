// The framework's limit: a bare Express 5 app answering one route with `res.json` of the same object.
import express from 'express';
import { readFileSync } from 'node:fs';

const [bodyFile, port] = process.argv.slice(2);
const answer: unknown = JSON.parse(readFileSync(bodyFile, 'utf8'));

const app = express();
// Emporia answers without an ETag too: hashing a 20 kB body per request would lower the ceiling.
app.set('etag', false);
app.get('/api/products', (_req, res) => {
  res.json(answer);
});
app.listen(Number(port), '127.0.0.1');
