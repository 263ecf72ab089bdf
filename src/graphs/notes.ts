import type { GraphProblem } from '../store/message-graphs';

/** The footer line of a message whose graph the bot may not make: what is missing and where to grant it. */
export function graphNote(problem: GraphProblem): string {
  if (problem === 'account-unconfigured')
    return ":frame_with_picture: No graph: the alarm's account or region is not one the bot is configured for (`AWS_ACCOUNTS`, `AWS_REGIONS`).";
  return problem === 'metrics-denied'
    ? ':frame_with_picture: No graph: the bot may not read metric images (`cloudwatch:GetMetricWidgetImage`, see iam-policy.json).'
    : ':frame_with_picture: No graph: the bot may not upload files (add the `files:write` scope and reinstall the app).';
}
