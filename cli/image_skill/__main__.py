from image_skill.main import run

run()
