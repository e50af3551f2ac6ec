/** Reading the dashboard's CSV exports back in tests, strictly. */
import assert from 'node:assert/strict';

/** A strict RFC 4180 reader: CRLF records, quoted fields with "" inside; anything else fails the test. */
export function readCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let at = 0;
  for (;;) {
    let value = '';
    if (text[at] === '"') {
      at++;
      for (;;) {
        const quote = text.indexOf('"', at);
        assert.ok(quote !== -1, 'a quoted field is closed');
        value += text.slice(at, quote);
        at = quote + 1;
        if (text[at] === '"') {
          value += '"';
          at++;
        } else break;
      }
    } else {
      while (at < text.length && text[at] !== ',' && text[at] !== '\r' && text[at] !== '\n') {
        assert.notEqual(text[at], '"', 'a quote only inside a quoted field');
        value += text[at++];
      }
    }
    record.push(value);
    if (text[at] === ',') {
      at++;
      continue;
    }
    if (at >= text.length) {
      if (!(record.length === 1 && record[0] === '')) records.push(record);
      return records;
    }
    assert.equal(text.slice(at, at + 2), '\r\n', 'records end in CRLF');
    at += 2;
    records.push(record);
    record = [];
    if (at >= text.length) return records;
  }
}

/** The CSV's records as objects by header, after checking the BOM. */
export function csvObjects(body: string): Array<Record<string, string>> {
  assert.equal(body.charCodeAt(0), 0xfeff, 'UTF-8 with a byte-order mark');
  const [header, ...rows] = readCsv(body.slice(1));
  return rows.map((row) => {
    assert.equal(row.length, header.length, 'every record has every column');
    return Object.fromEntries(header.map((name, i) => [name, row[i]]));
  });
}
