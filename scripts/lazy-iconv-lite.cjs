// Stands in for iconv-lite in the bundled binary (see scripts/bundle-cli.mjs). body-parser and
// raw-body require iconv-lite when they load, but call it only when a request has a body; bundled,
// its code-page tables (~480 KB, a sixth of the start-up code) were parsed at every start. This
// forwards each property to the real iconv-lite, required from node_modules on first use.
/* global require, module */
'use strict';
let real;
const iconv = () => (real ??= require('iconv-lite'));
module.exports = new Proxy(
  {},
  {
    get(_, key) {
      const value = iconv()[key];
      return typeof value === 'function' ? value.bind(iconv()) : value;
    },
    has: (_, key) => key in iconv(),
  },
);
