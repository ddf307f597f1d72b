/**
 * A durable signal subscriber: every new review adds a line to the activity feed. The event is
 * stored in the review's transaction and delivered after commit, at least once: in-process on
 * Node (`npm start`), through the `SIGNAL_EVENTS` queue in the Worker (`functions/`), and by the
 * scheduled drain for anything left pending. `event.id` makes a redelivery harmless. The feed
 * points at the review through a generic relation (its content type comes from the content-type
 * cache: memory, then Cloudflare KV in the Worker, then the database).
 */
import { ContentType } from 'djazzle/contenttypes';
import { durable, postSave, type DurableEvent } from 'djazzle/signals';
import { Activity, Review } from './models.js';

export const REVIEW_ACTIVITY = 'library.review-activity';

/** What the subscriber does with one event. */
export async function recordReview(event: DurableEvent): Promise<void> {
  if (!event.created || event.pk === null) return;
  const { rating, bookId } = event.snapshot as { rating: number; bookId: number };
  await Activity.objects.getOrCreate(
    { eventId: event.id },
    {
      defaults: {
        verb: 'reviewed',
        summary: `${'★'.repeat(rating)} for book ${bookId}`,
        contentType: await ContentType.objects.getForModel(Review),
        objectId: Number(event.pk),
      },
    },
  );
}

durable(postSave, { sender: Review, name: REVIEW_ACTIVITY }, recordReview);
