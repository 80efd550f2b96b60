// The one table of AWS errors the emulator can return: code, HTTP status and message, each taken
// from ../shared/reference/aws.md (section noted per group). No code, status or message here is
// invented; where the reference marks a status UNCONFIRMED the observed value is used and noted.

export interface AwsErrorSpec {
  status: number;
  message: string;
  /** 'Sender' or 'Receiver' in query-protocol XML error bodies. */
  fault: 'client' | 'server';
}

export const AWS_ERRORS = {
  // §5.1 Bedrock runtime (REST-JSON)
  AccessDeniedException: { status: 403, fault: 'client', message: 'The request is denied because you do not have sufficient permissions.' },
  ValidationException: { status: 400, fault: 'client', message: 'The input fails to satisfy the constraints specified by Amazon Bedrock.' },
  ThrottlingException: { status: 429, fault: 'client', message: 'Too many requests, please wait before trying again.' },
  ServiceUnavailableException: { status: 503, fault: 'server', message: "The service isn't currently available." },
  InternalServerException: { status: 500, fault: 'server', message: 'An internal server error occurred.' },
  ModelTimeoutException: { status: 408, fault: 'client', message: 'The request took too long to process. Processing time exceeded the model timeout length.' },
  ModelErrorException: { status: 424, fault: 'client', message: 'The request failed due to an error while processing the model.' },
  ModelNotReadyException: { status: 429, fault: 'client', message: 'The model specified in the request is not ready to serve inference requests. The AWS SDK will automatically retry the operation up to 5 times.' },
  ServiceQuotaExceededException: { status: 400, fault: 'client', message: 'Your request exceeds the service quota for your account. You can resubmit your request later.' },
  ResourceNotFoundException: { status: 404, fault: 'client', message: 'The specified resource ARN was not found.' },
  ModelStreamErrorException: { status: 424, fault: 'client', message: 'An error occurred while streaming the response. Retry your request.' },
  ConflictException: { status: 400, fault: 'client', message: 'The request conflicts with the current state of the resource.' },
  // A REST-JSON body that does not parse. The AWS framework's code for it; status 400 and this
  // message are UNCONFIRMED for Bedrock (no quoted answer found; no SDK sends such a body).
  SerializationException: { status: 400, fault: 'client', message: 'The request body could not be read as JSON.' },
  // §5.2 Authentication layer (JSON services). InvalidSignatureException status is UNCONFIRMED; 403 observed.
  UnrecognizedClientException: { status: 403, fault: 'client', message: 'The security token included in the request is invalid.' },
  InvalidSignatureException: { status: 403, fault: 'client', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' },
  ExpiredTokenException: { status: 403, fault: 'client', message: 'The security token included in the request is expired' },
  IncompleteSignature: { status: 403, fault: 'client', message: 'The request signature does not conform to AWS standards.' },
  // §5.2 / §5.3 query protocol (IAM, STS). ExpiredToken status UNCONFIRMED in AWS docs; 403 observed.
  // Query services send it without a final period: STS (corpus e043, aws-azure-login/aws-azure-login#251)
  // and IAM (e056, cloudyr/aws.iam#15); one STS answer printed by the Go SDK has one (e044).
  InvalidClientTokenId: { status: 403, fault: 'client', message: 'The security token included in the request is invalid' },
  SignatureDoesNotMatch: { status: 403, fault: 'client', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' },
  ExpiredToken: { status: 403, fault: 'client', message: 'The security token included in the request is expired' },
  RequestExpired: { status: 400, fault: 'client', message: 'Request has expired.' },
  AccessDenied: { status: 403, fault: 'client', message: 'You do not have permission to perform this action.' },
  NotAuthorized: { status: 400, fault: 'client', message: 'You do not have permission to perform this action.' },
  // No Authorization header. Query services: "Request is missing Authentication Token", 403 (STS
  // GetCallerIdentity as AWS answered it: cert-manager/aws-privateca-issuer#40; 403 in AWS's Common
  // Errors pages). JSON services: MissingAuthenticationTokenException, 403, "Missing Authentication
  // Token" is AWS's answer from REST endpoints (aws-samples/amazon-comprehend-medical-fhir-integration#9,
  // common-voice/common-voice#1599); that Bedrock answers exactly so is UNCONFIRMED.
  MissingAuthenticationToken: { status: 403, fault: 'client', message: 'Request is missing Authentication Token' },
  MissingAuthenticationTokenException: { status: 403, fault: 'client', message: 'Missing Authentication Token' },
  // An Action the query service does not have: InvalidAction, 400 (AWS Common Errors: "The action or
  // operation requested is invalid. Verify that the action is typed correctly."). The message the
  // emulator sends ("Could not find operation X for version V") is the wording reimplemented by
  // gaul/s3proxy's STS endpoint: UNCONFIRMED as AWS's own.
  InvalidAction: { status: 400, fault: 'client', message: 'The action or operation requested is invalid. Verify that the action is typed correctly.' },
  // Bedrock, a route it does not have: HTTP 404 with the body <UnknownOperationException/> and no
  // x-amzn-errortype (botocore printed "An error occurred (404) when calling the ListFoundationModels
  // operation: <UnknownOperationException/>": aws-samples/aws-genai-llm-chatbot#270). Rendered as that
  // raw body by the server, not as JSON.
  UnknownOperationException: { status: 404, fault: 'client', message: '<UnknownOperationException/>' },
  // §7 IAM
  EntityAlreadyExists: { status: 409, fault: 'client', message: 'The request was rejected because it attempted to create a resource that already exists.' },
  NoSuchEntity: { status: 404, fault: 'client', message: 'The request was rejected because it referenced a resource entity that does not exist.' },
  LimitExceeded: { status: 409, fault: 'client', message: 'The request was rejected because it attempted to create resources beyond the current AWS account limits.' },
  MalformedPolicyDocument: { status: 400, fault: 'client', message: 'The request was rejected because the policy document was malformed.' },
  InvalidInput: { status: 400, fault: 'client', message: 'The request was rejected because an invalid or out-of-range value was supplied for an input parameter.' },
  ConcurrentModification: { status: 409, fault: 'client', message: 'The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again.' },
  DeleteConflict: { status: 409, fault: 'client', message: 'The request was rejected because it attempted to delete a resource that has attached subordinate entities.' },
  // IAM CreateServiceSpecificCredential for a service without such credentials (botocore iam model:
  // ServiceNotSupportedException, code NotSupportedService, 404; message: the shape's documentation, UNCONFIRMED).
  NotSupportedService: { status: 404, fault: 'client', message: 'The specified service does not support service-specific credentials.' },
  ServiceFailure: { status: 500, fault: 'server', message: 'The request processing has failed because of an unknown error, exception or failure.' },
  Throttling: { status: 400, fault: 'client', message: 'Rate exceeded' },
  // A request that breaks its API model's constraints (length, pattern, range, required), on the
  // query services: ValidationError, 400 (AWS Common Errors: "The input fails to satisfy the
  // constraints specified by an AWS service"; STS DurationSeconds as AWS answered it, quoted in
  // apache/hadoop's hadoop-aws assumed_roles.md: "Error Code: ValidationError", status 400).
  ValidationError: { status: 400, fault: 'client', message: 'The input fails to satisfy the constraints specified by an AWS service.' },
} as const satisfies Record<string, AwsErrorSpec>;

export type AwsErrorCode = keyof typeof AWS_ERRORS;

/** Messages AWS uses for specific cases, quoted in the reference (section in the key's comment). */
export const AWS_MESSAGES = {
  /** §7: CreateAccessKey beyond 2 keys. */
  accessKeysPerUser: 'Cannot exceed quota for AccessKeysPerUser: 2',
  /** §5.3 / §6: GetSessionToken called with session credentials. */
  sessionTokenWithSession: 'Cannot call GetSessionToken with session credentials',
  /** §2.3: bare model ID without a profile (U+2019 apostrophe is AWS's). */
  onDemandNotSupported: (modelId: string) =>
    `Invocation of model ID ${modelId} with on-demand throughput isn\u2019t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`,
  /** §5.1: use-case form (FTU) missing. */
  ftuFormNotFilled: 'Model use case details have not been submitted for this account',
  /** The runtime's whole answer to the missing form (corpus e024, obot-platform/obot#6747). */
  ftuFormNotFilledRuntime:
    'Model use case details have not been submitted for this account. Fill out the Anthropic use case details form before using the model. If you have already filled out the form, try again in 15 minutes.',
  /** §3.4: first-use Marketplace permissions missing. */
  marketplaceDenied:
    // AWS's whole text (corpus e151, aws-samples/anthropic-on-aws#251; e022 and e150 begin alike).
    'Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this model. Refer to the Amazon Bedrock documentation for further details. Your AWS Marketplace subscription for this model cannot be completed at this time. If you recently fixed this issue, try again after 2 minutes.',
  /**
   * §5.1 MPAgreementBeingCreated (403, AccessDeniedException): the troubleshooting page's description
   * of it, "Your AWS Marketplace subscription for this model is still being processed", advice "try
   * again after 15 minutes"; that the wire message is exactly this sentence is UNCONFIRMED.
   */
  subscriptionBeingProcessed: 'Your AWS Marketplace subscription for this model is still being processed. Try again after 15 minutes.',
  /** §5.1 */
  tooManyTokens: 'Too many tokens, please wait before trying again.',
} as const;

export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fault: 'client' | 'server';

  constructor(code: AwsErrorCode, message?: string, status?: number) {
    const spec: AwsErrorSpec = AWS_ERRORS[code];
    super(message ?? spec.message);
    this.name = code;
    this.code = code;
    this.status = status ?? spec.status;
    this.fault = spec.fault;
  }
}

export function awsError(code: AwsErrorCode, message?: string): AwsError {
  return new AwsError(code, message);
}

export function isAwsErrorCode(code: string): code is AwsErrorCode {
  return Object.prototype.hasOwnProperty.call(AWS_ERRORS, code);
}
