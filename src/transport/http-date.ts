/**
 * The `Date` of responses: one-second resolution (`Fri, 23 Aug 2024 18:59:00 GMT`), so one Date object per second
 * serves every response written in that second. `second` changes when a new second starts (cache key for
 * responses built from it).
 */
export class HttpDateClock {
  private date = new Date();
  private at = -1;

  /** The Date for responses written now. */
  now(): Date {
    const ms = Date.now();
    if (ms - this.at >= 1000) {
      this.date = new Date(ms);
      this.at = ms - (ms % 1000);
    }
    return this.date;
  }

  /** Start of the current second in ms (after `now()`): changes once a second. */
  get second(): number {
    return this.at;
  }
}
