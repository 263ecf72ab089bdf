import {
  DeleteAlarmsCommand,
  PutMetricAlarmCommand,
  type CloudWatchClient,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { awsCall } from '../aws/errors';

/**
 * The two CloudWatch alarm calls that change AWS. Lint lets only the alarm-admin approval executors
 * (executors.ts) import this file, so an alarm is created or deleted only by an approved change request.
 */
export class CloudWatchAlarmWriter {
  constructor(private readonly cw: CloudWatchClient) {}

  /** Creates or replaces one metric alarm; resolves with the AWS request id. */
  async put(input: PutMetricAlarmCommandInput): Promise<string | undefined> {
    const out = await awsCall('cloudwatch:PutMetricAlarm', () => this.cw.send(new PutMetricAlarmCommand(input)));
    return out.$metadata?.requestId;
  }

  async delete(name: string): Promise<string | undefined> {
    const out = await awsCall('cloudwatch:DeleteAlarms', () =>
      this.cw.send(new DeleteAlarmsCommand({ AlarmNames: [name] })),
    );
    return out.$metadata?.requestId;
  }
}
