// Parses a feed with ical.js (Thunderbird's parser) and prints one JSON line per event:
// uid, summary, start and end (UTC, ISO), sequence, and the zone of DTSTART.
import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';

const text = readFileSync(process.argv[2], 'utf8');
const cal = new ICAL.Component(ICAL.parse(text));
for (const vtz of cal.getAllSubcomponents('vtimezone'))
    ICAL.TimezoneService.register(vtz);

const events = cal.getAllSubcomponents('vevent').map((c) => {
    const e = new ICAL.Event(c);
    return {
        uid: e.uid,
        summary: e.summary,
        start: e.startDate.toJSDate().toISOString(),
        end: e.endDate.toJSDate().toISOString(),
        sequence: e.sequence,
        tzid: e.startDate.zone ? e.startDate.zone.tzid : null,
    };
});
console.log(JSON.stringify({ name: cal.getFirstPropertyValue('x-wr-calname'), events }));
