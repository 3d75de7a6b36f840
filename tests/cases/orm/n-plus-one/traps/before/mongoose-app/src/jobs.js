import { Event } from "./models.js";
import { Queue } from "./queue.js";

export async function drain(messages) {
  // Not a model of this project, though its methods share Mongoose's names.
  for (const message of messages) {
    await Queue.deleteOne(message.id);
  }
  // Walking a cursor reads one document at a time by design.
  for await (const event of Event.find({ kind: "tick" }).cursor()) {
    console.info(event.at);
  }
  // The kinds are constants.
  for (const kind of ["open", "close"]) {
    console.info(kind, await Event.countDocuments({ kind }));
  }
}
