import { DeleteMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** A message whose delete SQS refused: it comes back after its visibility timeout (the dedup makes it a duplicate). */
export interface FailedDelete {
  receiptHandle: string;
  code: string;
}

/**
 * Deletes messages the bot has stored (or refused for good) from their queue, in one
 * DeleteMessageBatch of at most ten. This is the bot acknowledging what it has taken, not a change to
 * anyone's AWS resources. Returns the entries SQS did not delete; throws when the call itself failed.
 */
export async function deleteReceived(
  client: SQSClient,
  queueUrl: string,
  receiptHandles: string[],
): Promise<FailedDelete[]> {
  if (receiptHandles.length === 0) return [];
  const out = await client.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: receiptHandles.map((h, i) => ({ Id: String(i), ReceiptHandle: h })),
    }),
  );
  return (out.Failed ?? []).map((f) => ({
    receiptHandle: receiptHandles[Number(f.Id)] ?? '',
    code: f.Code ?? 'unknown',
  }));
}
