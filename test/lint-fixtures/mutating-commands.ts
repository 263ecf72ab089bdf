// Linted as a feature file outside the approval executors: mutating AWS commands, named or through a
// namespace. The reads (Describe*, StartQuery, StopQuery) are fine.
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { StartQueryCommand, StopQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import * as cloudwatch from '@aws-sdk/client-cloudwatch';

export const used: unknown[] = [
  DescribeServicesCommand,
  UpdateServiceCommand,
  SetDesiredCapacityCommand,
  StartQueryCommand,
  StopQueryCommand,
  cloudwatch,
];
