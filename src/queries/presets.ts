/**
 * Named Logs Insights queries over the Container Insights performance log group
 * (/aws/ecs/containerinsights/<cluster>/performance). The first three are the Container Insights
 * lab's; memory and network group Task events by task definition family (Task events carry no
 * ServiceName).
 */
export interface QueryPreset {
  name: string;
  /** One line shown by `/ecs query help`. */
  summary: string;
  query: string;
}

export const QUERY_PRESETS: readonly QueryPreset[] = [
  {
    name: 'cpu',
    summary: 'average CPU units used, by task definition family',
    query:
      'STATS avg(CpuUtilized) as avg_node_cpu_utilization by TaskDefinitionFamily | SORT avg_node_cpu_utilization DESC',
  },
  {
    name: 'memory',
    summary: 'memory used (MiB) and peak % of reservation, by task definition family',
    query:
      'filter Type="Task" | stats avg(MemoryUtilized) as avg_memory_mib, max(MemoryUtilized) as max_memory_mib, ' +
      'avg(MemoryReserved) as reserved_mib, max(MemoryUtilized * 100 / MemoryReserved) as max_pct_of_reserved ' +
      'by TaskDefinitionFamily | sort max_pct_of_reserved desc',
  },
  {
    name: 'network',
    summary: 'network bytes/s in and out, drops and errors, by task definition family',
    query:
      'filter Type="Task" | stats avg(NetworkRxBytes) as avg_rx_bytes_per_sec, avg(NetworkTxBytes) as avg_tx_bytes_per_sec, ' +
      'max(NetworkRxDropped + NetworkTxDropped) as max_dropped, max(NetworkRxErrors + NetworkTxErrors) as max_errors ' +
      'by TaskDefinitionFamily | sort avg_rx_bytes_per_sec desc',
  },
  {
    name: 'instances',
    summary: 'average registered container instances, by cluster',
    query: 'STATS avg(ContainerInstanceCount) as instance_count by ClusterName | SORT ClusterName desc',
  },
  {
    name: 'tasks',
    summary: 'average running tasks, by service',
    query: 'stats avg(RunningTaskCount) as container_count by ServiceName',
  },
];

export function findPreset(name: string): QueryPreset | undefined {
  const n = name.toLowerCase();
  return QUERY_PRESETS.find((p) => p.name === n);
}
