// Tests run on Node 20 on purpose (the bot supports 20 and 22); the SDK's one-line upgrade notice
// would otherwise repeat in every test file's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
