// Validates CloudNativePG resources against the schemas of the operator's CRDs (as kubernetes-models
// compiled them): reads a JSON array of resources on stdin, prints one line per invalid resource.
import { Cluster } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster";
import { ScheduledBackup } from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/ScheduledBackup";

const kinds = { Cluster, ScheduledBackup };
let input = "";
for await (const chunk of process.stdin) input += chunk;
let invalid = 0;
for (const resource of JSON.parse(input)) {
  const Model = kinds[resource.kind];
  if (!Model) {
    console.log(`${resource.kind}/${resource.metadata.name}: no schema`);
    invalid++;
    continue;
  }
  try {
    new Model(resource).validate();
  } catch (error) {
    console.log(`${resource.kind}/${resource.metadata.name}: ${error.message}`);
    invalid++;
  }
}
process.exit(invalid ? 1 : 0);
