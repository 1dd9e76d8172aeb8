/**
 * How one worker process shares its event loop among its robots: round robin, a few robots
 * per turn of the loop.
 *
 * On a fleet each robot has its own CPU and handles a message as soon as it arrives. In a
 * worker, thousands of robots share one event loop, and the agent's recall sync handles each
 * message on a later turn of that loop (setImmediate): a message read in one poll phase is
 * handled in the next check phase, together with every other robot's message read in the same
 * poll. After a recall the first poll reads the notice of nearly every robot of the worker, so
 * one check phase verified, stored and signed 3,333 notices in a row (5-6 s on shared cores),
 * and no robot's ack (sent once its fdatasync completes, which a poll phase reports) left
 * before the last of them was done: the platform's ingest sat idle, then took every ack at once.
 *
 * Here each robot's messages wait in its own queue, in arrival order, and the robots take
 * turns: each turn of the loop hands the next message of at most `perTurn` robots to the
 * robot's own code (recall sync, receipts) and a robot whose message is handled completely
 * (for a notice: verified, stored, applied, its ack durable) goes to the back of the line if
 * it has more. The poll phase between turns sends the acks of the robots that are done. Every
 * message still reaches the agent's code whole and in the order it arrived; only the order in
 * which the simulation runs different robots changes, as a fair scheduler of 3,333 processes
 * would run them. `perTurn` 0 hands each message over at once (the event loop's order alone).
 */
export interface RobotTurns {
  /** Queues `handle` (one message) behind this robot's earlier ones; it resolves when handled. */
  deliver(handle: () => Promise<unknown> | void): void;
}

interface Line {
  pending: (() => Promise<unknown> | void)[];
  /** A message of this robot is being handled, or the robot waits in the ready line. */
  busy: boolean;
}

export class Turns {
  private ready: Line[] = [];
  private head = 0;
  private scheduled = false;
  /** The most robots that waited for a turn at once. */
  maxWaiting = 0;

  constructor(readonly perTurn: number) {}

  /** One robot's line. */
  robot(): RobotTurns {
    const line: Line = { pending: [], busy: false };
    return {
      deliver: (handle) => {
        if (this.perTurn <= 0) return void handle();
        line.pending.push(handle);
        if (!line.busy) this.enqueue(line);
      },
    };
  }

  private enqueue(line: Line): void {
    line.busy = true;
    this.ready.push(line);
    this.maxWaiting = Math.max(this.maxWaiting, this.ready.length - this.head);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.turn);
    }
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    const end = Math.min(this.ready.length, this.head + this.perTurn);
    const lines = this.ready.slice(this.head, end);
    this.head = end;
    if (this.head >= this.ready.length) {
      this.ready = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
    for (const line of lines) {
      const handle = line.pending.shift()!;
      const next = (): void => {
        if (line.pending.length > 0) this.enqueue(line);
        else line.busy = false;
      };
      try {
        Promise.resolve(handle()).then(next, next);
      } catch {
        // The robot's code threw synchronously (it reports its own failures): its line goes on.
        next();
      }
    }
    if (this.head < this.ready.length && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.turn);
    }
  };
}
