/** Slack's Block Kit limits, enforced in one place by the renderers. */
export const LIMITS = {
  blocksPerMessage: 50,
  blocksPerView: 100,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  /** Text of one context element (mrkdwn or plain_text). */
  contextElementText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  messageText: 40000,
  /** Undocumented cumulative limit (msg_blocks_too_long); budget well under it and attach a file beyond. */
  cumulativeBlockText: 11000,
};
