from image_skill_mock.main import run

run()
