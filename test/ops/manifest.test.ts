import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REQUIRED_BOT_SCOPES } from '../../src/doctor/slack-checks';

const manifest = parse(fs.readFileSync(path.resolve(__dirname, '../../manifest.yml'), 'utf8'));

describe('manifest.yml', () => {
  it('defines the /ecs command with a usage hint on the Bolt endpoint', () => {
    const commands = manifest.features.slash_commands;
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({
      command: '/ecs',
      url: 'https://ecs-bot.example.com/slack/events',
      should_escape: false,
    });
    expect(commands[0].usage_hint.length).toBeGreaterThan(0);
    expect(commands[0].description.length).toBeLessThanOrEqual(100);
  });

  it('sends interactivity and events to the same HTTPS endpoint', () => {
    const urls = [
      manifest.settings.interactivity.request_url,
      manifest.settings.event_subscriptions.request_url,
      manifest.features.slash_commands[0].url,
    ];
    expect(new Set(urls)).toEqual(new Set(['https://ecs-bot.example.com/slack/events']));
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });

  it('subscribes to the bot events the features handle', () => {
    expect([...manifest.settings.event_subscriptions.bot_events].sort()).toEqual([
      'app_home_opened',
      'app_mention',
      'reaction_added',
      'reaction_removed',
    ]);
  });

  it('requests exactly the scopes the doctor checks, which cover every event and feature', () => {
    const scopes: string[] = manifest.oauth_config.scopes.bot;
    expect([...scopes].sort()).toEqual([...REQUIRED_BOT_SCOPES].sort());
    for (const s of [
      'commands',
      'chat:write',
      'reactions:read',
      'files:write',
      'users:read',
      'usergroups:read',
      'app_mentions:read',
    ])
      expect(scopes).toContain(s);
    // Each event needs its scope: app_mention → app_mentions:read, reaction_* → reactions:read.
    expect(scopes).toEqual(expect.arrayContaining(['app_mentions:read', 'reactions:read']));
    // conversations.info (the doctor's channel check) needs channels:read and groups:read.
    expect(scopes).toEqual(expect.arrayContaining(['channels:read', 'groups:read']));
  });

  it('has a bot user and an App Home tab', () => {
    expect(manifest._metadata.major_version).toBe(1);
    expect(manifest.features.bot_user.display_name).toBe('ecs-ops');
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
  });
});

describe('manifest.socket.yml', () => {
  const socket = parse(fs.readFileSync(path.resolve(__dirname, '../../manifest.socket.yml'), 'utf8'));

  it('turns Socket Mode on and names no request URL anywhere', () => {
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(socket.features.slash_commands[0].url).toBeUndefined();
    expect(socket.settings.interactivity.request_url).toBeUndefined();
    expect(socket.settings.event_subscriptions.request_url).toBeUndefined();
    expect(socket.settings.interactivity.is_enabled).toBe(true);
    expect(JSON.stringify(socket)).not.toMatch(/https?:\/\//);
  });

  it('is the HTTP manifest without its URLs: same command, scopes, events, home and bot user', () => {
    const strip = (m: any) => {
      const c = structuredClone(m);
      delete c.features.slash_commands[0].url;
      delete c.settings.interactivity.request_url;
      delete c.settings.event_subscriptions.request_url;
      delete c.settings.socket_mode_enabled;
      return c;
    };
    expect(strip(socket)).toEqual(strip(manifest));
  });
});
