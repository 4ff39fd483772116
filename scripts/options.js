// The benchmark scripts' command line: `--name value` pairs over a table of defaults, and
// `--help` printing the script's opening comment (its first `helpLines` lines after the #!).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function parseOptions(script, defaults, helpLines) {
  const options = { ...defaults };
  const name = path.basename(script, '.js');
  for (let i = 2; i < process.argv.length; i += 2) {
    const key = process.argv[i].replace(/^--/, '');
    if (key === 'help' || key === 'h') {
      console.log(fs.readFileSync(script, 'utf8').split('\n').slice(1, 1 + helpLines).join('\n'));
      process.exit(0);
    }
    if (!(key in options) || process.argv[i + 1] === undefined) {
      console.error(`${name}: unknown or valueless option '${process.argv[i]}' (see --help)`);
      process.exit(2);
    }
    options[key] = process.argv[i + 1];
  }
  return options;
}

module.exports = { parseOptions };
