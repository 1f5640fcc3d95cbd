/**
 * The AWS SDK for Java v2 code generator's naming rules, which Step Functions'
 * AWS SDK integrations follow for parameter, result and error names
 * (scratch/research-13.md section 11). Ported from aws/aws-sdk-java-v2:
 * `CodegenNamingUtils.splitOnWordBoundaries` and `pascalCase`
 * (utils/.../internal/CodegenNamingUtils.java), `Utils.unCapitalize`
 * (codegen/.../internal/Utils.java), `DefaultNamingStrategy.getServiceName` and
 * `getExceptionName` (codegen/.../naming/DefaultNamingStrategy.java). The
 * "Default" prefix for a service's own `<Service>Exception` shape is from
 * iwamot/sfnx `java_exception_name`, whose names were measured with TestState.
 */

const isUpper = (c: string | undefined) => c !== undefined && c >= 'A' && c <= 'Z';
const isLower = (c: string | undefined) => c !== undefined && c >= 'a' && c <= 'z';
const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** `CodegenNamingUtils.splitOnWordBoundaries`: `DBInstanceNotFound` → DB, Instance, Not, Found. */
export function splitOnWordBoundaries(name: string): string[] {
  let result = name.replace(/[^A-Za-z0-9]+/g, ' ');
  result = result.replace(/([^a-z]{2,})v([0-9]+)/g, '$1 v$2 ').replace(/([^A-Z]{2,})V([0-9]+)/g, '$1 V$2 ');
  result = result.split(/(?<=[a-z])(?=[A-Z](?:[a-zA-Z]|[0-9]))/).join(' ');
  result = result.replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  result = result.replace(/([0-9])([a-zA-Z])/g, '$1 $2');
  return result.replace(/ +/g, ' ').trim().split(' ');
}

/** `CodegenNamingUtils.pascalCase`: every word lower-cased, then capitalised (`KMSKey` → `KmsKey`). */
export function pascalCase(name: string): string {
  return splitOnWordBoundaries(name)
    .map((word) => capitalize(word.toLowerCase()))
    .join('');
}

/**
 * `Utils.unCapitalize`, the Java accessor of a member: the leading run of
 * capitals is lower-cased, except a capital followed by a lowercase letter
 * (`DBInstanceIdentifier` → `dbInstanceIdentifier`; `SourceDBSnapshotIdentifier`
 * → `sourceDBSnapshotIdentifier`).
 */
export function javaUnCapitalize(name: string): string {
  if (name.trim() === '') throw new Error('Name cannot be null or empty');
  let i = 0;
  let out = '';
  do {
    out += name.charAt(i).toLowerCase();
    i += 1;
  } while (i < name.length && isUpper(name[i]) && !(i < name.length - 1 && isLower(name[i + 1])));
  return out + name.slice(i);
}

/** The key Step Functions uses for an SDK member: the Java accessor, first letter capitalised (`DbInstanceIdentifier`, ECS `Cluster`). */
export function stepFunctionsMemberName(sdkMemberName: string): string {
  return capitalize(javaUnCapitalize(sdkMemberName));
}

/** `DefaultNamingStrategy.getServiceName`: the model's serviceId in Pascal case, without a leading Amazon/Aws or trailing Service. */
export function javaServiceName(serviceId: string): string {
  let name = pascalCase(serviceId);
  if (name.startsWith('Amazon')) name = name.slice('Amazon'.length);
  if (name.startsWith('Aws')) name = name.slice('Aws'.length);
  if (name.endsWith('Service')) name = name.slice(0, -'Service'.length);
  return name;
}

/**
 * `DefaultNamingStrategy.getExceptionName`: `…Fault` becomes `…Exception`,
 * `Exception` is appended where missing, every acronym is cased as a word
 * (`KMSInvalidStateFault` → `KmsInvalidStateException`). A modeled exception
 * named like the service's base exception is prefixed `Default`.
 */
export function javaExceptionName(errorShapeName: string, javaService: string): string {
  const name = errorShapeName.endsWith('Fault')
    ? `${pascalCase(errorShapeName.slice(0, -'Fault'.length))}Exception`
    : errorShapeName.endsWith('Exception')
      ? pascalCase(errorShapeName)
      : `${pascalCase(errorShapeName)}Exception`;
  return name === `${javaService}Exception` ? `Default${name}` : name;
}
